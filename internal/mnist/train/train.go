// Package train trains Prova's two MNIST models in pure Go (a 784-128-10
// MLP and a small LeNet-like CNN), quantizes them statically to int8 with a
// calibration set, simulates the quantized models in exact integer
// arithmetic (docs/INFERENCE.md §2) and writes them as ONNX, in float form
// and in the QDQ form onnxruntime's quantize_static produces.
//
// Training is deterministic: initial weights and example order come from a
// fixed SplitMix64 seed, each mini-batch is split into a fixed number of
// shards whose gradients are summed in shard order, and products are rounded
// before they are added (no fused multiply-adds), so a run gives the same
// weights however many goroutines run the shards. Training is not on the
// verification path; only the exported integer model is.
package train

import (
	"fmt"
	"math"
	"sync"

	"github.com/prova-network/prova/internal/mnist"
)

// work is one goroutine's view of a model, with its scratch buffers.
type work interface {
	// learn adds the gradient of the cross-entropy loss on one example to g
	// and returns the loss.
	learn(img []byte, label int, g []float32) float64
	// logits returns the float logits (a buffer reused by the next call).
	logits(img []byte) []float32
	// activations returns the tensors that the quantized model quantizes,
	// in graph order: every layer's output after its ReLU, then the logits.
	activations(img []byte) [][]float32
}

// Model is a trainable float network (*MLP or *CNN).
type Model interface {
	params() []float32
	newWork() work
}

// Config sets the training run.
type Config struct {
	Seed   uint64  // example order (initial weights come from the model's own seed)
	Epochs int     // passes over the training set
	Batch  int     // mini-batch size
	LR     float64 // Adam learning rate in the first epoch
	Decay  float64 // learning rate factor applied after each epoch
	Shards int     // fixed split of each batch (2); results do not depend on the goroutine count
	Limit  int     // train on the first Limit shuffled examples per epoch (0: all)
	Log    func(format string, args ...any)
}

// DefaultMLPConfig and DefaultCNNConfig are the settings the committed
// models were trained with.
func DefaultMLPConfig() Config {
	return Config{Seed: 1, Epochs: 15, Batch: 32, LR: 1e-3, Decay: 0.8, Shards: 2}
}

func DefaultCNNConfig() Config {
	return Config{Seed: 2, Epochs: 8, Batch: 32, LR: 2e-3, Decay: 0.7, Shards: 2}
}

// Adam's constants.
const (
	beta1   = 0.9
	beta2   = 0.999
	adamEps = 1e-8
)

// Train runs Adam on m over set.
func Train(m Model, set *mnist.Set, cfg Config) error {
	if cfg.Batch <= 0 || cfg.Shards <= 0 || cfg.Batch < cfg.Shards || cfg.Epochs < 0 {
		return fmt.Errorf("train: bad config %+v", cfg)
	}
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	p := m.params()
	mom := make([]float32, len(p))
	vel := make([]float32, len(p))
	works := make([]work, cfg.Shards)
	grads := make([][]float32, cfg.Shards)
	losses := make([]float64, cfg.Shards)
	for i := range works {
		works[i] = m.newWork()
		grads[i] = make([]float32, len(p))
	}
	r := newRNG(cfg.Seed)
	lr := cfg.LR
	step := 0
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		order := r.perm(set.Len())
		if cfg.Limit > 0 && cfg.Limit < len(order) {
			order = order[:cfg.Limit]
		}
		var total float64
		for start := 0; start+cfg.Batch <= len(order); start += cfg.Batch {
			batch := order[start : start+cfg.Batch]
			var wg sync.WaitGroup
			for s := range works {
				lo, hi := s*len(batch)/cfg.Shards, (s+1)*len(batch)/cfg.Shards
				wg.Add(1)
				go func() {
					defer wg.Done()
					g := grads[s]
					clear(g)
					losses[s] = 0
					for _, i := range batch[lo:hi] {
						losses[s] += works[s].learn(set.Image(i), int(set.Labels[i]), g)
					}
				}()
			}
			wg.Wait()
			g := grads[0]
			for s := 1; s < cfg.Shards; s++ {
				add(g, grads[s])
			}
			for s := range losses {
				total += losses[s]
			}
			step++
			adam(p, g, mom, vel, lr, step, cfg.Batch)
		}
		logf("epoch %d: lr %.2g, mean loss %.4f", epoch+1, lr, total/float64(len(order)))
		lr *= cfg.Decay
	}
	return nil
}

// adam applies one Adam step with gradient g/batch.
func adam(p, g, mom, vel []float32, lr float64, step, batch int) {
	c1 := 1 - math.Pow(beta1, float64(step))
	c2 := 1 - math.Pow(beta2, float64(step))
	inv := 1 / float64(batch)
	for i := range p {
		gi := float64(g[i]) * inv
		mi := beta1*float64(mom[i]) + (1-beta1)*gi
		vi := beta2*float64(vel[i]) + (1-beta2)*gi*gi
		mom[i], vel[i] = float32(mi), float32(vi)
		p[i] = float32(float64(p[i]) - lr*(mi/c1)/(math.Sqrt(vi/c2)+adamEps))
	}
}

// parallel runs f(w, i) for i in [0, n) on up to two goroutines, each with
// its own work of m; f must only write per-i results.
func parallel(m Model, n int, f func(w work, i int)) {
	const goroutines = 2
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := m.newWork()
			for i := g * n / goroutines; i < (g+1)*n/goroutines; i++ {
				f(w, i)
			}
		}()
	}
	wg.Wait()
}

// Predict returns the float model's predicted digit for every image of set.
func Predict(m Model, set *mnist.Set) []int {
	out := make([]int, set.Len())
	parallel(m, set.Len(), func(w work, i int) { out[i] = argmax(w.logits(set.Image(i))) })
	return out
}

// Accuracy is the fraction of predictions equal to the labels.
func Accuracy(pred []int, labels []byte) float64 {
	ok := 0
	for i, p := range pred {
		if p == int(labels[i]) {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}
