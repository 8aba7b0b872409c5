package inferd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	abci "github.com/cometbft/cometbft/abci/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/internal/txclient"
	"github.com/prova-network/prova/x/infer/types"
)

// fakeChain is a small in-memory model of x/infer for the daemons' tests:
// the rules of claims, input requests and disputes as docs/INFERENCE.md §5
// states them (x/infer's own keeper tests hold the real module to them),
// one block per transaction, messages of a transaction all or nothing.
type fakeChain struct {
	types.QueryClient // not implemented: panics if called

	mu       sync.Mutex
	prog     *fakeProgram
	modelID  string
	height   int64
	params   types.Params
	bonds    map[string]*types.Bond
	claims   []types.Claim
	requests map[uint64]*types.InputRequest
	disputes []types.Dispute
	txs      int
}

func newFakeChain(prog *fakeProgram, modelID string) *fakeChain {
	return &fakeChain{
		prog: prog, modelID: modelID, height: 1, bonds: map[string]*types.Bond{}, requests: map[uint64]*types.InputRequest{},
		params: types.Params{
			MinBond: sdk.NewInt64Coin("uprova", 100), DisputeStake: sdk.NewInt64Coin("uprova", 50), BurnShare: sdkmath.LegacyZeroDec(),
			ChallengeWindowBlocks: 10000, MoveTimeoutBlocks: 10000, InputTimeoutBlocks: 10000,
		},
	}
}

func (f *fakeChain) chain(addr string) Chain {
	return Chain{
		Address: addr, Infer: f,
		Send:   func(ctx context.Context, msgs ...sdk.Msg) (*txclient.Result, error) { return f.send(addr, msgs...) },
		Height: func(context.Context) (int64, error) { f.mu.Lock(); defer f.mu.Unlock(); return f.height, nil },
	}
}

// send runs a transaction in a block of its own.
func (f *fakeChain) send(signer string, msgs ...sdk.Msg) (*txclient.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.height++
	f.txs++
	saved := f.snapshot()
	res := &txclient.Result{Hash: fmt.Sprintf("%064X", f.txs), Height: f.height}
	for _, m := range msgs {
		evs, err := f.deliver(signer, m)
		if err != nil {
			f.restore(saved)
			codespace, code, log := errorsmod.ABCIInfo(err, false)
			res.Codespace, res.Code, res.Log, res.Events = codespace, code, log, nil
			return res, fmt.Errorf("%w: %s", txclient.ErrFailed, log)
		}
		res.Events = append(res.Events, evs...)
	}
	return res, nil
}

type fakeState struct {
	bonds    map[string]types.Bond
	claims   []types.Claim
	requests map[uint64]types.InputRequest
	disputes []types.Dispute
}

func (f *fakeChain) snapshot() fakeState {
	s := fakeState{bonds: map[string]types.Bond{}, requests: map[uint64]types.InputRequest{}}
	for k, v := range f.bonds {
		s.bonds[k] = *v
	}
	for k, v := range f.requests {
		s.requests[k] = *v
	}
	s.claims = append(s.claims, f.claims...)
	s.disputes = append(s.disputes, f.disputes...)
	return s
}

func (f *fakeChain) restore(s fakeState) {
	f.bonds, f.requests = map[string]*types.Bond{}, map[uint64]*types.InputRequest{}
	for k, v := range s.bonds {
		f.bonds[k] = &v
	}
	for k, v := range s.requests {
		f.requests[k] = &v
	}
	f.claims, f.disputes = s.claims, s.disputes
}

func ev(typ string, kv ...string) abci.Event {
	e := abci.Event{Type: typ}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Attributes = append(e.Attributes, abci.EventAttribute{Key: kv[i], Value: kv[i+1]})
	}
	return e
}

func u(n uint64) string { return strconv.FormatUint(n, 10) }

func (f *fakeChain) deliver(signer string, m sdk.Msg) ([]abci.Event, error) {
	if v, ok := m.(interface{ ValidateBasic() error }); ok {
		if err := v.ValidateBasic(); err != nil {
			return nil, err
		}
	}
	switch m := m.(type) {
	case *types.MsgBond:
		b := f.bonds[m.Provider]
		if b == nil {
			b = &types.Bond{Provider: m.Provider, Amount: sdk.NewInt64Coin("uprova", 0), Locked: sdkmath.ZeroInt()}
			f.bonds[m.Provider] = b
		}
		b.Amount = b.Amount.Add(m.Amount)
		if m.ReceiptKey != "" {
			k, _ := types.ParseReceiptKey(m.ReceiptKey)
			b.ReceiptKey, b.ReceiptKeyId = k, receipt.KeyID(k)
		}
		if m.Endpoint != "" {
			b.Endpoint = m.Endpoint
		}
		return []abci.Event{ev(types.EventTypeBonded, types.AttributeKeyProvider, m.Provider)}, nil
	case *types.MsgPostClaim:
		if m.ModelId != f.modelID {
			return nil, types.ErrNoExecutable
		}
		if m.TraceSize != f.prog.TraceSize() {
			return nil, types.ErrTraceSize
		}
		if b := f.bonds[m.Provider]; b == nil || b.Amount.Amount.Sub(b.Locked).LT(f.params.MinBond.Amount) {
			return nil, types.ErrBondTooSmall
		}
		c := types.Claim{
			Id: uint64(len(f.claims)) + 1, Kind: types.ClaimKind_CLAIM_KIND_SINGLE, Provider: m.Provider, ModelId: m.ModelId,
			InputDigest: m.InputDigest, OutputDigest: m.OutputDigest, TraceRoot: m.TraceRoot, TraceSize: m.TraceSize,
			Height: f.height, WindowEnd: f.height + int64(f.params.ChallengeWindowBlocks), Status: types.ClaimStatus_CLAIM_STATUS_PENDING,
		}
		f.claims = append(f.claims, c)
		return []abci.Event{ev(types.EventTypeClaimPosted, types.AttributeKeyClaimID, u(c.Id), types.AttributeKeyTraceRoot, "sha256:"+fmt.Sprintf("%x", c.TraceRoot))}, nil
	case *types.MsgRequestInput:
		var c *types.Claim
		var err error
		if m.Receipt != nil {
			c, err = f.receiptClaim(*m.Receipt)
		} else {
			c, err = f.claim(m.Claim.ClaimId)
		}
		if err != nil {
			return nil, err
		}
		if m.Challenger == c.Provider {
			return nil, types.ErrSelfChallenge
		}
		if _, ok := f.requests[c.Id]; ok {
			return nil, types.ErrInputRequested
		}
		f.requests[c.Id] = &types.InputRequest{ClaimId: c.Id, Requester: m.Challenger, Height: f.height, Deadline: f.height + 10000, Status: types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN}
		return []abci.Event{ev(types.EventTypeInputRequested, types.AttributeKeyClaimID, u(c.Id))}, nil
	case *types.MsgPostInput:
		c, err := f.claim(m.ClaimId)
		if err != nil {
			return nil, err
		}
		r := f.requests[c.Id]
		if r == nil || r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN {
			return nil, types.ErrNoInputRequest
		}
		if m.Provider != c.Provider {
			return nil, types.ErrNotProvider
		}
		if sum := sha256.Sum256(m.Inputs); !bytes.Equal(sum[:], c.InputDigest) {
			return nil, types.ErrInputMismatch
		}
		r.Status, r.Inputs = types.InputRequestStatus_INPUT_REQUEST_STATUS_ANSWERED, m.Inputs
		return nil, nil
	case *types.MsgChallenge:
		c, err := f.claim(m.Claim.ClaimId)
		if err != nil {
			return nil, err
		}
		return f.challenge(c, m.Challenger, m.TraceRoot, m.OutputDigest)
	case *types.MsgChallengeReceipt:
		c, err := f.receiptClaim(m.Receipt())
		if err != nil {
			return nil, err
		}
		return f.challenge(c, m.Challenger, m.TraceRoot, m.OutputDigest)
	case *types.MsgBisect:
		d, err := f.dispute(m.DisputeId, types.DisputePhase_DISPUTE_PHASE_BISECT)
		if err != nil {
			return nil, err
		}
		r := &referee{d: *d}
		role := Defender
		if m.Sender == d.Challenger {
			role = Challenger
		} else if m.Sender != d.Defender {
			return nil, types.ErrNotYourTurn
		}
		if err := r.bisect(role, Move{Kind: Bisect, Size: d.Mid, Root: [32]byte(m.Root)}); err != nil {
			return nil, types.ErrNotYourTurn.Wrap(err.Error())
		}
		*d = r.d
		return nil, nil
	case *types.MsgResolveStep:
		d, err := f.dispute(m.DisputeId, types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP)
		if err != nil {
			return nil, err
		}
		root, err := f.resolve(d, m)
		if err != nil {
			return nil, err
		}
		out, reason := types.Outcome_OUTCOME_BOTH_LOST, "neither"
		switch dr, cr := bytes.Equal(root[:], d.DefenderHiRoot), bytes.Equal(root[:], d.ChallengerHiRoot); {
		case dr && !cr:
			out, reason = types.Outcome_OUTCOME_DEFENDER_WON, "the re-executed leaf matches the defender's root"
		case cr && !dr:
			out, reason = types.Outcome_OUTCOME_CHALLENGER_WON, "the re-executed leaf matches the challenger's root"
		}
		f.settle(d, out, reason)
		return nil, nil
	case *types.MsgProveOutput:
		d, err := f.dispute(m.DisputeId, types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT)
		if err != nil {
			return nil, err
		}
		c, _ := f.claim(d.ClaimId)
		if err := onnxint.VerifyInclusion([32]byte(c.OutputDigest), d.TraceSize-1, d.TraceSize, m.Proof, [32]byte(d.DefenderRoot)); err != nil {
			return nil, types.ErrInvalidProof
		}
		f.settle(d, types.Outcome_OUTCOME_DEFENDER_WON, "output proven")
		return nil, nil
	}
	return nil, fmt.Errorf("fake chain: %T not handled", m)
}

// challenge opens a dispute over c as x/infer's Challenge does.
func (f *fakeChain) challenge(c *types.Claim, challenger string, traceRoot, output []byte) ([]abci.Event, error) {
	switch {
	case c.Status != types.ClaimStatus_CLAIM_STATUS_PENDING:
		return nil, types.ErrClaimSettled
	case c.OpenDispute != 0:
		return nil, types.ErrClaimDisputed
	case challenger == c.Provider:
		return nil, types.ErrSelfChallenge
	case bytes.Equal(traceRoot, c.TraceRoot) && bytes.Equal(output, c.OutputDigest):
		return nil, types.ErrNothingToDispute
	}
	lo := onnxint.LeafHash([32]byte(c.InputDigest))
	d := types.Dispute{
		Id: uint64(len(f.disputes)) + 1, ClaimId: c.Id, ModelId: c.ModelId, Defender: c.Provider, Challenger: challenger,
		DefenderRoot: c.TraceRoot, ChallengerRoot: traceRoot, ChallengerOutputDigest: output, TraceSize: c.TraceSize,
		Lo: 1, Hi: c.TraceSize, LoRoot: lo[:], DefenderHiRoot: c.TraceRoot, ChallengerHiRoot: traceRoot, Deadline: f.height + 10000,
	}
	switch {
	case bytes.Equal(traceRoot, c.TraceRoot):
		d.Phase, d.Turn = types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT, types.Party_PARTY_DEFENDER
	case d.Hi == d.Lo+1:
		d.Phase = types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP
	default:
		d.Phase, d.Turn, d.Mid = types.DisputePhase_DISPUTE_PHASE_BISECT, types.Party_PARTY_DEFENDER, (d.Lo+d.Hi)/2
	}
	f.disputes = append(f.disputes, d)
	c.OpenDispute = d.Id
	return []abci.Event{ev(types.EventTypeDisputeOpened, types.AttributeKeyDisputeID, u(d.Id), types.AttributeKeyClaimID, u(c.Id))}, nil
}

// receiptClaim finds or records the claim of a logged receipt: a receipt
// envelope signed by a key bound to a bond, carrying a trace root. Unlike
// x/infer the fake has no x/receipts, so it does not check the anchoring.
func (f *fakeChain) receiptClaim(r types.ReceiptRef) (*types.Claim, error) {
	env, err := receipt.DecodeEnvelope(r.Entry)
	if err != nil {
		return nil, types.ErrInvalidReceipt
	}
	var bond *types.Bond
	for _, b := range f.bonds {
		if b.ReceiptKeyId == env.Signatures[0].KeyID {
			bond = b
		}
	}
	if bond == nil {
		return nil, types.ErrUnknownReceiptKey
	}
	st, err := receipt.Verify(env, bond.ReceiptKey)
	if err != nil || st.Predicate.TraceRoot == "" {
		return nil, types.ErrInvalidReceipt
	}
	id := tlog.LeafHash(r.Entry)
	for i := range f.claims {
		if bytes.Equal(f.claims[i].ReceiptId, id) {
			return &f.claims[i], nil
		}
	}
	p := st.Predicate
	in, err1 := ParseDigest(p.InputDigest)
	out, err2 := ParseDigest(p.OutputDigest)
	root, err3 := ParseDigest(p.TraceRoot)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, types.ErrInvalidReceipt
	}
	f.claims = append(f.claims, types.Claim{
		Id: uint64(len(f.claims)) + 1, Kind: types.ClaimKind_CLAIM_KIND_RECEIPT, Provider: bond.Provider, ModelId: p.Model,
		InputDigest: in[:], OutputDigest: out[:], TraceRoot: root[:], TraceSize: p.TraceSize,
		Height: f.height, Status: types.ClaimStatus_CLAIM_STATUS_PENDING, ReceiptId: id, LogId: r.LogId,
	})
	return &f.claims[len(f.claims)-1], nil
}

// resolve checks a resolution as x/infer's ResolveStep does and returns
// the root of size hi it gives.
func (f *fakeChain) resolve(d *types.Dispute, m *types.MsgResolveStep) ([32]byte, error) {
	var zero [32]byte
	agreed, err := onnxint.RangeRoot(d.Lo, m.Range)
	if err != nil || !bytes.Equal(agreed[:], d.LoRoot) {
		return zero, types.ErrInvalidProof
	}
	states := map[int][]*onnxint.Tensor{}
	for _, sp := range m.States {
		var ts []*onnxint.Tensor
		for b := sp.Tensors; len(b) > 0; {
			x, k, err := onnxint.Decode(b)
			if err != nil {
				return zero, types.ErrInvalidStep
			}
			ts, b = append(ts, x), b[k:]
		}
		if sp.LeafIndex >= d.Lo || onnxint.VerifyInclusion(onnxint.Digest(ts...), sp.LeafIndex, d.Lo, sp.Proof, agreed) != nil {
			return zero, types.ErrInvalidProof
		}
		states[int(sp.LeafIndex)] = ts
	}
	weights := map[int]*onnxint.Tensor{}
	for _, wp := range m.Weights {
		x, _, err := onnxint.Decode(wp.Tensor)
		if err != nil || wp.Index >= uint64(len(f.prog.leaves)) {
			return zero, types.ErrInvalidStep
		}
		leaf := sha256.Sum256(append(append([]byte(fmt.Sprintf("w%d", wp.Index)), 0), wp.Tensor...))
		if onnxint.VerifyInclusion(leaf, wp.Index, uint64(len(f.prog.leaves)), wp.Proof, f.prog.TensorRoot()) != nil {
			return zero, types.ErrInvalidProof
		}
		weights[int(wp.Index)] = x
	}
	leaf, _, err := f.prog.ExecStep(int(d.Lo), states, weights)
	if err != nil {
		return zero, types.ErrInvalidStep.Wrap(err.Error())
	}
	return onnxint.AppendRoot(d.Lo, m.Range, leaf)
}

func (f *fakeChain) settle(d *types.Dispute, out types.Outcome, reason string) {
	d.Phase, d.Outcome, d.Reason, d.SettledHeight = types.DisputePhase_DISPUTE_PHASE_SETTLED, out, reason, f.height
	c, _ := f.claim(d.ClaimId)
	c.OpenDispute = 0
	if out != types.Outcome_OUTCOME_DEFENDER_WON {
		c.Status = types.ClaimStatus_CLAIM_STATUS_REFUTED
	}
}

func (f *fakeChain) claim(id uint64) (*types.Claim, error) {
	if id == 0 || id > uint64(len(f.claims)) {
		return nil, types.ErrClaimNotFound
	}
	return &f.claims[id-1], nil
}

func (f *fakeChain) dispute(id uint64, phase types.DisputePhase) (*types.Dispute, error) {
	if id == 0 || id > uint64(len(f.disputes)) {
		return nil, types.ErrDisputeNotFound
	}
	d := &f.disputes[id-1]
	switch {
	case d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED:
		return nil, types.ErrDisputeSettled
	case d.Phase != phase:
		return nil, types.ErrWrongPhase
	}
	return d, nil
}

// The queries.

func (f *fakeChain) Params(context.Context, *types.QueryParamsRequest, ...grpc.CallOption) (*types.QueryParamsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &types.QueryParamsResponse{Params: f.params}, nil
}

func (f *fakeChain) Executable(_ context.Context, r *types.QueryExecutableRequest, _ ...grpc.CallOption) (*types.QueryExecutableResponse, error) {
	if r.ModelId != f.modelID {
		return nil, status.Error(codes.NotFound, "no executable")
	}
	root := f.prog.TensorRoot()
	return &types.QueryExecutableResponse{Executable: types.Executable{ModelId: f.modelID, TensorRoot: root[:], TraceSize: f.prog.TraceSize()}}, nil
}

func (f *fakeChain) Bond(_ context.Context, r *types.QueryBondRequest, _ ...grpc.CallOption) (*types.QueryBondResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bonds[r.Provider]
	if b == nil {
		return nil, status.Error(codes.NotFound, "no bond")
	}
	return &types.QueryBondResponse{Bond: *b}, nil
}

func (f *fakeChain) Claim(_ context.Context, r *types.QueryClaimRequest, _ ...grpc.CallOption) (*types.QueryClaimResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.claim(r.ClaimId)
	if err != nil {
		return nil, status.Error(codes.NotFound, "no claim")
	}
	return &types.QueryClaimResponse{Claim: *c}, nil
}

// page serves offset and key pagination over IDs 1..n, 3 per page (small,
// so the daemons' paging is exercised).
func page(p *query.PageRequest, n int) (start, end int, next []byte) {
	start = 0
	if p != nil && len(p.Key) == 8 {
		start = int(binary.BigEndian.Uint64(p.Key)) - 1
	} else if p != nil {
		start = int(p.Offset)
	}
	start = min(start, n)
	end = min(start+3, n)
	if end < n {
		next = binary.BigEndian.AppendUint64(nil, uint64(end+1))
	}
	return start, end, next
}

func (f *fakeChain) Claims(_ context.Context, r *types.QueryClaimsRequest, _ ...grpc.CallOption) (*types.QueryClaimsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, e, next := page(r.Pagination, len(f.claims))
	return &types.QueryClaimsResponse{Claims: append([]types.Claim(nil), f.claims[s:e]...), Pagination: &query.PageResponse{NextKey: next}}, nil
}

func (f *fakeChain) InputRequest(_ context.Context, r *types.QueryInputRequestRequest, _ ...grpc.CallOption) (*types.QueryInputRequestResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.requests[r.ClaimId]
	if q == nil {
		return nil, status.Error(codes.NotFound, "no request")
	}
	return &types.QueryInputRequestResponse{Request: *q}, nil
}

func (f *fakeChain) Dispute(_ context.Context, r *types.QueryDisputeRequest, _ ...grpc.CallOption) (*types.QueryDisputeResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.DisputeId == 0 || r.DisputeId > uint64(len(f.disputes)) {
		return nil, status.Error(codes.NotFound, "no dispute")
	}
	return &types.QueryDisputeResponse{Dispute: f.disputes[r.DisputeId-1]}, nil
}

// The queries by account, over filtered copies paged as above. The fake
// has no Disputes list: a daemon that lists every dispute panics.

func (f *fakeChain) DisputesByDefender(_ context.Context, r *types.QueryDisputesByDefenderRequest, _ ...grpc.CallOption) (*types.QueryDisputesByDefenderResponse, error) {
	ds, next := f.disputesOf(r.Pagination, func(d *types.Dispute) bool { return d.Defender == r.Defender }, r.OpenOnly)
	return &types.QueryDisputesByDefenderResponse{Disputes: ds, Pagination: &query.PageResponse{NextKey: next}}, nil
}

func (f *fakeChain) DisputesByChallenger(_ context.Context, r *types.QueryDisputesByChallengerRequest, _ ...grpc.CallOption) (*types.QueryDisputesByChallengerResponse, error) {
	ds, next := f.disputesOf(r.Pagination, func(d *types.Dispute) bool { return d.Challenger == r.Challenger }, r.OpenOnly)
	return &types.QueryDisputesByChallengerResponse{Disputes: ds, Pagination: &query.PageResponse{NextKey: next}}, nil
}

func (f *fakeChain) disputesOf(p *query.PageRequest, party func(*types.Dispute) bool, openOnly bool) ([]types.Dispute, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ds []types.Dispute
	for i := range f.disputes {
		if d := &f.disputes[i]; party(d) && (!openOnly || d.Phase != types.DisputePhase_DISPUTE_PHASE_SETTLED) {
			ds = append(ds, *d)
		}
	}
	s, e, next := page(p, len(ds))
	return ds[s:e], next
}

func (f *fakeChain) ClaimsByProvider(_ context.Context, r *types.QueryClaimsByProviderRequest, _ ...grpc.CallOption) (*types.QueryClaimsByProviderResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var cs []types.Claim
	for _, c := range f.claims {
		if c.Provider == r.Provider {
			cs = append(cs, c)
		}
	}
	s, e, next := page(r.Pagination, len(cs))
	return &types.QueryClaimsByProviderResponse{Claims: cs[s:e], Pagination: &query.PageResponse{NextKey: next}}, nil
}

func (f *fakeChain) OpenInputRequests(_ context.Context, r *types.QueryOpenInputRequestsRequest, _ ...grpc.CallOption) (*types.QueryOpenInputRequestsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var rs []types.ClaimInputRequest
	for _, c := range f.claims {
		if q := f.requests[c.Id]; c.Provider == r.Provider && q != nil && q.Status == types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN {
			rs = append(rs, types.ClaimInputRequest{Claim: c, Request: *q})
		}
	}
	s, e, next := page(r.Pagination, len(rs))
	return &types.QueryOpenInputRequestsResponse{Requests: rs[s:e], Pagination: &query.PageResponse{NextKey: next}}, nil
}

func (f *fakeChain) BondByReceiptKey(_ context.Context, r *types.QueryBondByReceiptKeyRequest, _ ...grpc.CallOption) (*types.QueryBondByReceiptKeyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.bonds {
		if r.KeyId != "" && b.ReceiptKeyId == r.KeyId {
			return &types.QueryBondByReceiptKeyResponse{Bond: *b}, nil
		}
	}
	return nil, status.Error(codes.NotFound, "no bond binds that key")
}
