package keeper

import (
	"crypto/sha256"
	"sync"

	"github.com/prova-network/prova/internal/onnxint"
)

// modelCache keeps the programs of recently used model files and
// skeletons, so that a MsgRunModel or a step resolution does not parse and
// lower the same ONNX bytes again (loading is most of an MLP run's delivery
// time). It is keyed by the bytes' SHA-256, so a hit is the program those
// very bytes load to: state, results and gas are the same with or without
// it. Only successful loads are kept. A loaded model is safe for
// concurrent runs (its scratch space is pooled per run).
type modelCache struct {
	mu    sync.Mutex
	items map[[33]byte]*onnxint.Model
	order [][33]byte // insertion order, oldest first
}

// modelCacheSize bounds the programs kept (models on chain are at most
// max_model_bytes, 1 MiB by default).
const modelCacheSize = 16

var loadedModels = &modelCache{items: map[[33]byte]*onnxint.Model{}}

func cacheKey(b []byte, skeleton bool) [33]byte {
	var k [33]byte
	s := sha256.Sum256(b)
	copy(k[:32], s[:])
	if skeleton {
		k[32] = 1
	}
	return k
}

func (c *modelCache) get(k [33]byte) *onnxint.Model {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[k]
}

func (c *modelCache) put(k [33]byte, m *onnxint.Model) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return
	}
	if len(c.order) >= modelCacheSize {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[k] = m
	c.order = append(c.order, k)
}
