package app

// The world model of TestBlocksRandomTxs: what the test believes is on
// chain (records, logs, tasks, proposals), enough to build transactions
// that should succeed and ones that must fail for a known reason.
// It changes only when the chain says a transaction succeeded (onOK) or,
// for what end-blockers do, by reading committed state (afterBlock).

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cosmos/gogoproto/proto"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"

	"github.com/prova-network/prova/internal/tlog"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// plannedTx is one transaction of a block and what the test expects of it.
type plannedTx struct {
	kind   string
	signer *account
	msgs   []sdk.Msg
	valid  bool
	// want is, for an invalid tx, the registered error it must fail with
	// (nil: any failure); why says what is wrong with it.
	want *errorsmod.Error
	why  string
	// onOK updates the world once a valid tx succeeded; data is the
	// first message's response.
	onOK func(data []byte)
	// Signing tweaks that make an otherwise valid tx fail in the ante
	// handler.
	seqOffset uint64
	chainID   string
}

func valid(kind string, signer *account, onOK func([]byte), msgs ...sdk.Msg) *plannedTx {
	return &plannedTx{kind: kind, signer: signer, msgs: msgs, valid: true, onOK: onOK}
}

func invalid(kind string, signer *account, want *errorsmod.Error, why string, msgs ...sdk.Msg) *plannedTx {
	return &plannedTx{kind: kind, signer: signer, msgs: msgs, want: want, why: why}
}

// record is a registered dataset or model.
type record struct {
	id      string
	owner   *account
	flagged bool // models only: governance flagged it
}

// logState is a receipt log: its key, its local tree and what is anchored.
type logState struct {
	origin, signer, verifier string
	operator                 *account
	tree                     *testonly.Tree
	anchored                 uint64
	frozen                   bool
}

func (l *logState) sign(size uint64, root []byte) []byte {
	n, err := tlog.Sign(tlog.Checkpoint{Origin: l.origin, Size: size, Hash: root}, l.signer)
	if err != nil {
		panic(err)
	}
	return n
}

type commitState struct {
	score uint64
	salt  []byte
}

// taskState is an eval task; heights are inclusive window ends.
type taskState struct {
	id                   uint64
	commitEnd, revealEnd int64
	score                uint64 // the score honest evaluators report
	commits              map[string]commitState
	revealed             map[string]bool
}

// proposalState is a gov proposal carrying a MsgSetModelStatus.
type proposalState struct {
	id         uint64
	modelID    string
	status     registrytypes.ModelStatus
	expectPass bool // the model was registered when it was submitted
	voted      map[string]bool
	done       bool
	passed     bool
}

type world struct {
	r        *rand.Rand
	keys     *rand.ChaCha8 // key material (note keys) from the same seed
	users    []*account
	vals     []*account
	provider ed25519.PrivateKey

	height int64     // of the block being built
	time   time.Time // of the block being built
	busy   map[string]bool

	datasets, models []*record
	logs             []*logState
	tasks            []*taskState
	contents         []string // sha256 hex of registered content
	receipts         [][]byte // canonical envelopes recorded
	proposals        []*proposalState
	n                int // for unique names
}

func newWorld(seed uint64, users, vals []*account) *world {
	var chachaSeed [32]byte
	for i := range 4 {
		chachaSeed[i] = byte(seed >> (8 * i))
	}
	provSeed := [32]byte{'p', 'r', 'o', 'v', 'i', 'd', 'e', 'r'}
	return &world{
		r:        rand.New(rand.NewPCG(seed, 0x70726f7661)),
		keys:     rand.NewChaCha8(chachaSeed),
		users:    users,
		vals:     vals,
		provider: ed25519.NewKeyFromSeed(provSeed[:]),
	}
}

func (w *world) startBlock(height int64, t time.Time) {
	w.height, w.time, w.busy = height, t, map[string]bool{}
}

// take reserves a signer or a record for the block being built; each is
// used by at most one transaction per block, so sequences read from
// committed state are exact and no two txs of a block depend on each other.
func (w *world) take(key string) bool {
	if w.busy[key] {
		return false
	}
	w.busy[key] = true
	return true
}

// freeFrom reserves a random account of from that is not yet used.
func (w *world) freeFrom(from []*account) *account {
	for _, i := range w.r.Perm(len(from)) {
		if w.take(from[i].String()) {
			return from[i]
		}
	}
	return nil
}

func (w *world) freeUser() *account { return w.freeFrom(w.users) }

// invalidTurn decides whether the next tx is an invalid one (1 in 3).
func (w *world) invalidTurn() bool { return w.r.IntN(3) == 0 }

func (w *world) hex32() string {
	var b [32]byte
	for i := range 4 {
		v := w.r.Uint64()
		for j := range 8 {
			b[8*i+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

func (w *world) digest() string { return "sha256:" + w.hex32() }

func (w *world) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(w.r.Uint32())
	}
	return b
}

func (w *world) name(prefix string) string { w.n++; return fmt.Sprintf("%s-%d", prefix, w.n) }

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// records returns datasets and models together.
func (w *world) records() []*record { return append(slices.Clone(w.datasets), w.models...) }

func (w *world) unflaggedModels() []*record {
	var out []*record
	for _, m := range w.models {
		if !m.flagged {
			out = append(out, m)
		}
	}
	return out
}

func (w *world) flaggedModels() []*record {
	var out []*record
	for _, m := range w.models {
		if m.flagged {
			out = append(out, m)
		}
	}
	return out
}

// newLog makes a log key pair for origin from the seeded key stream.
func (w *world) newLog(origin string, operator *account) *logState {
	signer, verifier, err := note.GenerateKey(w.keys, origin)
	if err != nil {
		panic(err)
	}
	return &logState{origin: origin, signer: signer, verifier: verifier, operator: operator, tree: testonly.New(rfc6962.DefaultHasher)}
}

// msgResponse decodes the first message response of a tx result's data.
func msgResponse(data []byte, out proto.Message) error {
	var d sdk.TxMsgData
	if err := proto.Unmarshal(data, &d); err != nil {
		return err
	}
	if len(d.MsgResponses) == 0 {
		return fmt.Errorf("no message responses")
	}
	return proto.Unmarshal(d.MsgResponses[0].Value, out)
}

// duties are the txs a well-behaved network sends in every block:
// validators vote on open proposals, commit scores to open tasks and
// reveal them (most of the time: a skipped commit or reveal is what the
// tally must handle too, and a skipped reveal is slashed).
func (w *world) duties() []*plannedTx {
	var out []*plannedTx
	for _, p := range w.proposals {
		if p.done {
			continue
		}
		for _, v := range w.vals {
			if p.voted[v.String()] || !w.take(v.String()) {
				continue
			}
			p, v := p, v
			out = append(out, valid("gov/MsgVote", v, func([]byte) { p.voted[v.String()] = true },
				govv1.NewMsgVote(v.addr, p.id, govv1.OptionYes, "")))
		}
	}
	for _, t := range w.tasks {
		if w.height > t.commitEnd {
			continue
		}
		for _, v := range w.vals {
			if _, done := t.commits[v.String()]; done || w.r.IntN(3) == 0 || !w.take(v.String()) {
				continue
			}
			out = append(out, w.commitTx(t, v))
		}
	}
	for _, t := range w.tasks {
		if w.height <= t.commitEnd || w.height > t.revealEnd {
			continue
		}
		for _, v := range w.vals {
			c, ok := t.commits[v.String()]
			if !ok || t.revealed[v.String()] || w.r.IntN(8) == 0 || !w.take(v.String()) {
				continue
			}
			t, v := t, v
			out = append(out, valid("eval/MsgRevealScore", v, func([]byte) { t.revealed[v.String()] = true },
				revealMsg(v, t.id, c.score, c.salt)))
		}
	}
	return out
}
