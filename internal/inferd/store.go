package inferd

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The provider's store is one append-only file of records, each framed as
//
//	u32 BE  payload length
//	u32 BE  CRC-32C of the payload
//	…       payload (JSON)
//
// after a header line. Every append is written and fsynced before it
// returns, so a run the provider has answered survives kill -9. A record
// cut short by a crash (never acknowledged, since the answer waits for the
// fsync) is dropped when the store is opened; damage anywhere else stops
// the provider rather than lose runs silently.
//
// A run record keeps the inputs' encodings, not the states: the runtime is
// deterministic, so a dispute recomputes the states from the inputs.

const (
	storeFile   = "runs.log"
	lockFile    = "LOCK"
	storeHeader = "prova inferd runs v1\n"
	frameHeader = 8
	// maxRecord bounds one record: the inputs (at most the request cap,
	// base64) and a receipt.
	maxRecord = 64 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Store errors.
var (
	ErrStoreLocked  = errors.New("store is in use by another process")
	ErrStoreCorrupt = errors.New("store is damaged")
	ErrStoreClosed  = errors.New("store is closed")
)

// Run is one answered inference.
type Run struct {
	Seq          uint64
	Time         time.Time
	InputDigest  [32]byte
	OutputDigest [32]byte
	TraceRoot    [32]byte
	TraceSize    uint64
	Lie          bool
	// Envelope is the signed receipt (canonical JSON) when receipts are
	// on; it is kept so a resubmission after a crash is byte-identical and
	// the log finds it as a duplicate.
	Envelope []byte
	// ClaimID is its on-chain claim, once posted (0 before).
	ClaimID uint64
	// Receipt is where the log put its receipt, once logged.
	Receipt *ReceiptRef
}

// ReceiptRef locates a logged receipt.
type ReceiptRef struct {
	LogID     string `json:"log_id"`
	Index     uint64 `json:"index"`
	ReceiptID string `json:"receipt_id"`
}

// record is one entry of the file.
type record struct {
	Kind string `json:"kind"` // run | claim | receipt | settled

	Seq          uint64    `json:"seq,omitempty"`
	Time         time.Time `json:"time,omitzero"`
	Inputs       []byte    `json:"inputs,omitempty"`
	InputDigest  []byte    `json:"input_digest,omitempty"`
	OutputDigest []byte    `json:"output_digest,omitempty"`
	TraceRoot    []byte    `json:"trace_root,omitempty"`
	TraceSize    uint64    `json:"trace_size,omitempty"`
	Lie          bool      `json:"lie,omitempty"`
	Envelope     []byte    `json:"envelope,omitempty"`

	ClaimID uint64      `json:"claim_id,omitempty"`
	Receipt *ReceiptRef `json:"receipt,omitempty"`

	Dispute uint64 `json:"dispute,omitempty"`
	Won     bool   `json:"won,omitempty"`
}

// runMeta is a run held in memory, with where its record is.
type runMeta struct {
	Run
	off int64 // payload offset
	n   int   // payload length
}

// Store is the provider's durable record of its runs. It is safe for
// concurrent use.
type Store struct {
	mu      sync.Mutex
	dir     string
	f       *os.File
	lock    *os.File
	size    int64
	runs    []*runMeta // by Seq-1
	byRoot  map[[32]byte][]uint64
	byInput map[[32]byte]uint64
	settled map[uint64]bool
	dropped int64 // bytes of a torn tail dropped at open
	err     error // sticky write failure
}

// OpenStore opens (creating) the store in dir and replays it. Only one
// process may hold a store.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, lock: lock, byRoot: map[[32]byte][]uint64{}, byInput: map[[32]byte]uint64{}, settled: map[uint64]bool{}}
	if err := s.open(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open() error {
	path := filepath.Join(s.dir, storeFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	s.f = f
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < int64(len(storeHeader)) {
		// New, or a crash while writing the header: nothing was stored.
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.WriteAt([]byte(storeHeader), 0); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		s.size = int64(len(storeHeader))
		return syncDir(s.dir)
	}
	return s.replay(st.Size())
}

func (s *Store) replay(total int64) error {
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, total), 1<<20)
	head := make([]byte, len(storeHeader))
	if _, err := io.ReadFull(r, head); err != nil || string(head) != storeHeader {
		return fmt.Errorf("%w: %s does not start with %q", ErrStoreCorrupt, filepath.Join(s.dir, storeFile), storeHeader)
	}
	off := int64(len(storeHeader))
	var fh [frameHeader]byte
	for off < total {
		// Only the last frame may be cut short: its append never
		// returned, so nothing acknowledged is lost by dropping it.
		torn := func() error {
			s.dropped = total - off
			if err := s.f.Truncate(off); err != nil {
				return err
			}
			return s.f.Sync()
		}
		if total-off < frameHeader {
			if err := torn(); err != nil {
				return err
			}
			break
		}
		if _, err := io.ReadFull(r, fh[:]); err != nil {
			return err
		}
		n := int64(binary.BigEndian.Uint32(fh[0:4]))
		sum := binary.BigEndian.Uint32(fh[4:8])
		if n > total-off-frameHeader {
			if total-off > frameHeader+maxRecord {
				return fmt.Errorf("%w: record at offset %d claims %d bytes", ErrStoreCorrupt, off, n)
			}
			if err := torn(); err != nil {
				return err
			}
			break
		}
		if n > maxRecord {
			return fmt.Errorf("%w: record at offset %d claims %d bytes", ErrStoreCorrupt, off, n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return err
		}
		last := off+frameHeader+n == total
		if crc32.Checksum(payload, crcTable) != sum {
			if last {
				if err := torn(); err != nil {
					return err
				}
				break
			}
			return fmt.Errorf("%w: checksum of the record at offset %d", ErrStoreCorrupt, off)
		}
		var rec record
		if err := json.Unmarshal(payload, &rec); err != nil {
			return fmt.Errorf("%w: record at offset %d: %v", ErrStoreCorrupt, off, err)
		}
		if err := s.apply(&rec, off+frameHeader, int(n)); err != nil {
			return fmt.Errorf("%w: record at offset %d: %v", ErrStoreCorrupt, off, err)
		}
		off += frameHeader + n
	}
	s.size = off
	return nil
}

// apply adds a record to the in-memory index.
func (s *Store) apply(rec *record, off int64, n int) error {
	switch rec.Kind {
	case "run":
		if rec.Seq != uint64(len(s.runs))+1 {
			return fmt.Errorf("run %d out of sequence (next is %d)", rec.Seq, len(s.runs)+1)
		}
		m := &runMeta{off: off, n: n, Run: Run{
			Seq: rec.Seq, Time: rec.Time, TraceSize: rec.TraceSize, Lie: rec.Lie, Envelope: rec.Envelope,
		}}
		if copy(m.InputDigest[:], rec.InputDigest) != 32 || copy(m.OutputDigest[:], rec.OutputDigest) != 32 || copy(m.TraceRoot[:], rec.TraceRoot) != 32 {
			return errors.New("digest is not 32 bytes")
		}
		s.runs = append(s.runs, m)
		s.byRoot[m.TraceRoot] = append(s.byRoot[m.TraceRoot], m.Seq)
		if _, ok := s.byInput[m.InputDigest]; !ok {
			s.byInput[m.InputDigest] = m.Seq
		}
	case "claim":
		m, err := s.meta(rec.Seq)
		if err != nil {
			return err
		}
		m.ClaimID = rec.ClaimID
	case "receipt":
		m, err := s.meta(rec.Seq)
		if err != nil {
			return err
		}
		m.Receipt = rec.Receipt
	case "settled":
		s.settled[rec.Dispute] = true
	default:
		return fmt.Errorf("unknown record kind %q", rec.Kind)
	}
	return nil
}

func (s *Store) meta(seq uint64) (*runMeta, error) {
	if seq == 0 || seq > uint64(len(s.runs)) {
		return nil, fmt.Errorf("no run %d", seq)
	}
	return s.runs[seq-1], nil
}

// append writes rec durably and applies it.
func (s *Store) append(rec *record) error {
	if s.f == nil {
		return ErrStoreClosed
	}
	if s.err != nil {
		return s.err
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if len(payload) > maxRecord {
		return fmt.Errorf("record of %d bytes is over %d", len(payload), maxRecord)
	}
	buf := make([]byte, frameHeader, frameHeader+len(payload))
	binary.BigEndian.PutUint32(buf[0:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(buf[4:8], crc32.Checksum(payload, crcTable))
	buf = append(buf, payload...)
	if _, err := s.f.WriteAt(buf, s.size); err != nil {
		return s.fail(err)
	}
	if err := s.f.Sync(); err != nil {
		return s.fail(err)
	}
	if err := s.apply(rec, s.size+frameHeader, len(payload)); err != nil {
		return err
	}
	s.size += int64(len(buf))
	return nil
}

// fail undoes a partial write; if even that fails the store refuses
// further writes (a later record after a torn one would be lost at open).
func (s *Store) fail(err error) error {
	if terr := s.f.Truncate(s.size); terr != nil {
		s.err = fmt.Errorf("store write failed and could not be undone: %w", err)
		return s.err
	}
	return fmt.Errorf("store write: %w", err)
}

// AppendRun stores a run with its inputs durably and returns its sequence
// number. r's Seq, ClaimID and Receipt are ignored.
func (s *Store) AppendRun(r Run, inputs []byte) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := uint64(len(s.runs)) + 1
	rec := &record{
		Kind: "run", Seq: seq, Time: r.Time.UTC(), Inputs: inputs, InputDigest: r.InputDigest[:], OutputDigest: r.OutputDigest[:],
		TraceRoot: r.TraceRoot[:], TraceSize: r.TraceSize, Lie: r.Lie, Envelope: r.Envelope,
	}
	if err := s.append(rec); err != nil {
		return 0, err
	}
	return seq, nil
}

// MarkClaimed records run seq's on-chain claim.
func (s *Store) MarkClaimed(seq, claimID uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.meta(seq); err != nil {
		return err
	}
	return s.append(&record{Kind: "claim", Seq: seq, ClaimID: claimID})
}

// MarkReceipted records where run seq's receipt was logged.
func (s *Store) MarkReceipted(seq uint64, ref ReceiptRef) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.meta(seq); err != nil {
		return err
	}
	return s.append(&record{Kind: "receipt", Seq: seq, Receipt: &ref})
}

// MarkSettled records that a dispute's outcome was reported.
func (s *Store) MarkSettled(disputeID uint64, won bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settled[disputeID] {
		return nil
	}
	return s.append(&record{Kind: "settled", Dispute: disputeID, Won: won})
}

// Settled reports whether a dispute's outcome was recorded.
func (s *Store) Settled(disputeID uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settled[disputeID]
}

// Len is the number of runs.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.runs)
}

// Dropped is the number of bytes of a torn last record dropped at open.
func (s *Store) Dropped() int64 { return s.dropped }

// Get returns run seq.
func (s *Store) Get(seq uint64) (Run, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.meta(seq)
	if err != nil {
		return Run{}, false
	}
	return m.Run, true
}

// ByTraceRoot returns the runs with a trace root, oldest first.
func (s *Store) ByTraceRoot(root [32]byte) []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Run
	for _, seq := range s.byRoot[root] {
		out = append(out, s.runs[seq-1].Run)
	}
	return out
}

// Runs returns the runs matching keep, oldest first.
func (s *Store) Runs(keep func(*Run) bool) []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Run
	for _, m := range s.runs {
		if keep(&m.Run) {
			out = append(out, m.Run)
		}
	}
	return out
}

// Inputs reads run seq's input encodings back from disk.
func (s *Store) Inputs(seq uint64) ([]byte, error) {
	s.mu.Lock()
	m, err := s.meta(seq)
	f := s.f
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, ErrStoreClosed
	}
	frame := make([]byte, frameHeader+m.n)
	if _, err := f.ReadAt(frame, m.off-frameHeader); err != nil {
		return nil, err
	}
	payload := frame[frameHeader:]
	if crc32.Checksum(payload, crcTable) != binary.BigEndian.Uint32(frame[4:8]) {
		return nil, fmt.Errorf("%w: checksum of run %d", ErrStoreCorrupt, seq)
	}
	var rec record
	if err := json.Unmarshal(payload, &rec); err != nil {
		return nil, fmt.Errorf("%w: run %d: %v", ErrStoreCorrupt, seq, err)
	}
	return rec.Inputs, nil
}

// InputsByDigest returns the input encodings whose SHA-256 is d.
func (s *Store) InputsByDigest(d [32]byte) ([]byte, bool, error) {
	s.mu.Lock()
	seq, ok := s.byInput[d]
	s.mu.Unlock()
	if !ok {
		return nil, false, nil
	}
	b, err := s.Inputs(seq)
	return b, err == nil, err
}

// Close closes the store and releases its lock.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.f != nil {
		err = s.f.Close()
		s.f = nil
	}
	if s.lock != nil {
		unlockDir(s.lock)
		s.lock = nil
	}
	return err
}
