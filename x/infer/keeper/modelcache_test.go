package keeper

import (
	"sync"
	"testing"

	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
)

// The cache returns the program the same bytes load to, refuses nothing
// it would not refuse uncached, evicts the oldest entry, and a cached
// model gives identical traced runs from concurrent goroutines.
func TestModelCache(t *testing.T) {
	b := mnist.MLP()
	m1, err := loadModel(b, false)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := loadModel(append([]byte(nil), b...), false)
	if err != nil || m2 != m1 {
		t.Fatalf("same bytes: %p %p %v", m1, m2, err)
	}
	sk, err := m1.Skeleton()
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadModel(sk, true)
	if err != nil || ms == m1 || ms.TensorRoot() != m1.TensorRoot() {
		t.Fatalf("skeleton: %v", err)
	}
	if _, err := loadModel(b[:100], false); err == nil {
		t.Fatal("a truncated model loaded")
	}
	if _, err := loadModel(b[:100], false); err == nil {
		t.Fatal("a truncated model loaded the second time")
	}

	c := &modelCache{items: map[[33]byte]*onnxint.Model{}}
	for i := range modelCacheSize + 1 {
		c.put(cacheKey([]byte{byte(i)}, false), m1)
	}
	if c.get(cacheKey([]byte{0}, false)) != nil || c.get(cacheKey([]byte{1}, false)) == nil || len(c.items) != modelCacheSize {
		t.Fatal("the oldest entry was not evicted")
	}

	in := &onnxint.Tensor{Type: onnxint.Float, Dims: []int64{1, 784}, F: make([]uint32, 784)}
	want, err := m1.Run([]*onnxint.Tensor{in}, onnxint.Options{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				got, err := m2.Run([]*onnxint.Tensor{in}, onnxint.Options{Trace: true})
				if err != nil || got.Root != want.Root {
					t.Errorf("concurrent run: %v", err)
					return
				}
				if _, err := m2.Run([]*onnxint.Tensor{in}, onnxint.Options{}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
