package inferd

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The watcher's state is one JSON file, rewritten atomically (temporary
// file, fsync, rename) after every change, and the inputs of the claims it
// challenged, one file each, written before the challenge is sent. A
// restarted watcher continues from the claim after the last one it looked
// at, with the checks and disputes it had in progress.

const (
	watchFile = "watch.json"
	inputsDir = "inputs"
)

// Stages of a check.
const (
	stageFetch       = "fetch"       // getting the inputs from the provider
	stageRequested   = "requested"   // inputs demanded on chain (MsgRequestInput)
	stageChallenging = "challenging" // inputs saved, MsgChallenge sent or about to be
)

type watchState struct {
	// ClaimCursor is the last claim ID looked at.
	ClaimCursor uint64 `json:"claim_cursor"`
	// LogID and LogCursor: the receipt log followed and the next entry.
	LogID     string                 `json:"log_id,omitempty"`
	LogCursor uint64                 `json:"log_cursor"`
	Claims    map[uint64]*claimJob   `json:"claims"`
	Receipts  map[uint64]*receiptJob `json:"receipts"`
	Disputes  map[uint64]*disputeJob `json:"disputes"`
}

// claimJob is a claim being checked.
type claimJob struct {
	ClaimID     uint64 `json:"claim_id"`
	ModelID     string `json:"model_id"`
	Provider    string `json:"provider"`
	InputDigest string `json:"input_digest"`
	Stage       string `json:"stage"`
	Tries       int    `json:"tries,omitempty"`
}

// receiptJob is a logged receipt with a trace root being checked: what
// MsgChallengeReceipt (and MsgRequestInput) need, kept until it is
// checked. KeyID is the receipt's signing key (its bond names the
// provider); ClaimID is the receipt's claim once its inputs were
// requested on chain.
type receiptJob struct {
	Index        uint64   `json:"index"`
	TreeSize     uint64   `json:"tree_size"`
	Entry        []byte   `json:"entry"`
	Proof        [][]byte `json:"proof"`
	ModelID      string   `json:"model_id"`
	InputDigest  string   `json:"input_digest"`
	OutputDigest string   `json:"output_digest"`
	TraceRoot    string   `json:"trace_root"`
	TraceSize    uint64   `json:"trace_size"`
	KeyID        string   `json:"key_id,omitempty"`
	ClaimID      uint64   `json:"claim_id,omitempty"`
	Stage        string   `json:"stage"`
	Tries        int      `json:"tries,omitempty"`
}

// disputeJob is a dispute we opened and play.
type disputeJob struct {
	DisputeID   uint64 `json:"dispute_id"`
	ClaimID     uint64 `json:"claim_id"`
	ModelID     string `json:"model_id"`
	InputDigest string `json:"input_digest"`
}

func newWatchState() *watchState {
	return &watchState{Claims: map[uint64]*claimJob{}, Receipts: map[uint64]*receiptJob{}, Disputes: map[uint64]*disputeJob{}}
}

// loadWatchState reads dir's state, or a fresh one when there is none.
func loadWatchState(dir string) (*watchState, error) {
	b, err := os.ReadFile(filepath.Join(dir, watchFile))
	if errors.Is(err, os.ErrNotExist) {
		return newWatchState(), nil
	}
	if err != nil {
		return nil, err
	}
	st := newWatchState()
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStoreCorrupt, filepath.Join(dir, watchFile), err)
	}
	if st.Claims == nil {
		st.Claims = map[uint64]*claimJob{}
	}
	if st.Receipts == nil {
		st.Receipts = map[uint64]*receiptJob{}
	}
	if st.Disputes == nil {
		st.Disputes = map[uint64]*disputeJob{}
	}
	return st, nil
}

func (st *watchState) save(dir string) error {
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, watchFile), b)
}

func inputPath(dir string, d [32]byte) string {
	return filepath.Join(dir, inputsDir, hex.EncodeToString(d[:]))
}

// saveInputs keeps a claim's inputs durably under their digest.
func saveInputs(dir string, d [32]byte, b []byte) error {
	if err := os.MkdirAll(filepath.Join(dir, inputsDir), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(inputPath(dir, d), b)
}

func loadInputs(dir string, d [32]byte) ([]byte, error) {
	return os.ReadFile(inputPath(dir, d))
}
