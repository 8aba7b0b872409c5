package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prova-network/prova/internal/inferd"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/txclient"
	infertypes "github.com/prova-network/prova/x/infer/types"
)

// stateLiar is a provider whose claims are wrong at one leaf inside the
// trace: it posts them, serves their inputs over HTTP (as `provad infer
// serve` does, for the watcher) and bisects with the wrong trace. It
// leaves the resolution to the watcher, which wins it by re-executing the
// step.
type stateLiar struct {
	tc        *txclient.Client
	q         infertypes.QueryClient
	key, addr string
	modelID   string
	prog      *onnxint.Model
	poll      time.Duration
	srv       *http.Server
	url       string

	mu     sync.Mutex
	inputs map[string][]byte     // by input digest text
	leaves map[uint64][][32]byte // the wrong trace, by claim ID
}

// newStateLiar bonds key for o.disputes disputes and starts the inputs
// server on 127.0.0.1.
func newStateLiar(ctx context.Context, tc *txclient.Client, q infertypes.QueryClient, key, modelID string, p infertypes.Params, o options) (*stateLiar, error) {
	addr, err := tc.Address(key)
	if err != nil {
		return nil, err
	}
	prog, err := onnxint.Load(mnist.CNN())
	if err != nil {
		return nil, err
	}
	l := &stateLiar{tc: tc, q: q, key: key, addr: addr.String(), modelID: modelID, prog: prog, poll: o.poll,
		inputs: map[string][]byte{}, leaves: map[uint64][][32]byte{}}
	if l.poll <= 0 {
		l.poll = inferd.DefaultPoll
	}
	if o.lieLeaf > 0 {
		if o.lieLeaf >= int(prog.TraceSize())-1 {
			return nil, fmt.Errorf("-lie-leaf %d: the CNN's states are leaves 1 to %d", o.lieLeaf, prog.TraceSize()-2)
		}
		bond := p.MinBond.AddAmount(p.DisputeStake.Amount.MulRaw(int64(o.disputes)))
		if _, err := tc.Send(ctx, key, &infertypes.MsgBond{Provider: l.addr, Amount: bond}); err != nil {
			return nil, fmt.Errorf("bond the state liar: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l.url = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+inferd.PathInputs+"{digest}", func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		b, ok := l.inputs[r.PathValue("digest")]
		l.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	})
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

func (l *stateLiar) close() { _ = l.srv.Close() }

// leafName says which step leaf j is the state of.
func (l *stateLiar) leafName(j int) string {
	for _, s := range l.prog.Steps() {
		if s.Leaf == j {
			name := fmt.Sprintf("%s, %s", s.Node, strings.TrimPrefix(s.Op, "QDQ "))
			if s.Chunks > 1 {
				name += fmt.Sprintf(" chunk %d of %d", s.Chunk+1, s.Chunks)
			}
			return fmt.Sprintf("%s, cost %d", name, s.Cost)
		}
	}
	return "not a step"
}

// claim posts a claim on the i-th image whose trace has a made-up leaf.
func (l *stateLiar) claim(ctx context.Context, i, leaf int) (string, time.Time, error) {
	x := &onnxint.Tensor{Type: onnxint.Float, Dims: slices.Clone(mnist.CNNInputDims), F: make([]uint32, mnist.Pixels)}
	for j := range x.F {
		x.F[j] = math.Float32bits(float32(pixel(1000+i, j)))
	}
	res, err := l.prog.Run([]*onnxint.Tensor{x}, onnxint.Options{Trace: true})
	if err != nil {
		return "", time.Time{}, err
	}
	wrong := slices.Clone(res.Leaves)
	wrong[leaf] = sha256.Sum256([]byte("not the state"))
	root := onnxint.TraceRoot(wrong)
	in, out := res.Leaves[0], res.Leaves[len(res.Leaves)-1]
	l.mu.Lock()
	l.inputs[inferd.DigestText(in)] = onnxint.Encode(x)
	l.mu.Unlock()
	r, err := l.tc.Send(ctx, l.key, &infertypes.MsgPostClaim{Provider: l.addr, ModelId: l.modelID, InputDigest: in[:], OutputDigest: out[:],
		TraceRoot: root[:], TraceSize: l.prog.TraceSize()})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("post the state liar's claim: %w", err)
	}
	posted := time.Now()
	id, ok := r.Attr(infertypes.EventTypeClaimPosted, infertypes.AttributeKeyClaimID)
	if !ok {
		return "", posted, fmt.Errorf("tx %s posted no claim", r.Hash)
	}
	var cid uint64
	if _, err := fmt.Sscan(id, &cid); err != nil {
		return "", posted, err
	}
	l.mu.Lock()
	l.leaves[cid] = wrong
	l.mu.Unlock()
	return id, posted, nil
}

// defend makes the defender's bisection moves in dispute id with the
// wrong trace, every poll, until the dispute is settled.
func (l *stateLiar) defend(ctx context.Context, id uint64) error {
	for {
		res, err := l.q.Dispute(ctx, &infertypes.QueryDisputeRequest{DisputeId: id})
		if err != nil {
			return err
		}
		d := res.Dispute
		if d.Phase == infertypes.DisputePhase_DISPUTE_PHASE_SETTLED {
			return nil
		}
		if d.Phase == infertypes.DisputePhase_DISPUTE_PHASE_BISECT && d.Turn == infertypes.Party_PARTY_DEFENDER {
			l.mu.Lock()
			leaves := l.leaves[d.ClaimId]
			l.mu.Unlock()
			if leaves == nil {
				return fmt.Errorf("dispute %d is over claim %d, which the state liar did not post", id, d.ClaimId)
			}
			root := onnxint.PrefixRoot(leaves, (d.Lo+d.Hi)/2)
			if _, err := l.tc.Send(ctx, l.key, &infertypes.MsgBisect{Sender: l.addr, DisputeId: id, Root: root[:]}); err != nil &&
				!errors.Is(err, txclient.ErrFailed) { // a move the dispute no longer wants fails in the block
				return fmt.Errorf("dispute %d: bisect: %w", id, err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(l.poll):
		}
	}
}
