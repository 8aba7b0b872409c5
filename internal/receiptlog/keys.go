package receiptlog

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/prova-network/prova/internal/receipt"
)

// keyStore holds the provider public keys the log has accepted receipts
// from: one file per key, named by the hex part of its key ID, holding the
// 32 key bytes. A key is written (durably) before any entry signed by it
// is appended, so every entry's key can be served with its proof.
type keyStore struct {
	dir string
	mu  sync.RWMutex
	m   map[string]ed25519.PublicKey // key ID → key
}

func openKeyStore(dir string) (*keyStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("receipt log: keys: %w", err)
	}
	ks := &keyStore{dir: dir, m: make(map[string]ed25519.PublicKey)}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("receipt log: keys: %w", err)
	}
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return nil, fmt.Errorf("receipt log: keys: %w", err)
		}
		pub := ed25519.PublicKey(b)
		if len(b) != ed25519.PublicKeySize || keyFileName(receipt.KeyID(pub)) != de.Name() {
			return nil, fmt.Errorf("receipt log: key file %s is corrupt", de.Name())
		}
		ks.m[receipt.KeyID(pub)] = pub
	}
	return ks, nil
}

func keyFileName(keyID string) string { return strings.TrimPrefix(keyID, "ed25519:") }

func (ks *keyStore) get(keyID string) (ed25519.PublicKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	p, ok := ks.m[keyID]
	return p, ok
}

// put stores pub durably unless it is already known.
func (ks *keyStore) put(pub ed25519.PublicKey) error {
	id := receipt.KeyID(pub)
	if _, ok := ks.get(id); ok {
		return nil
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if _, ok := ks.m[id]; ok {
		return nil
	}
	if err := writeFileSync(filepath.Join(ks.dir, keyFileName(id)), pub, 0o644); err != nil {
		return fmt.Errorf("receipt log: store provider key: %w", err)
	}
	ks.m[id] = append(ed25519.PublicKey(nil), pub...)
	return nil
}
