package app

// Generators of TestBlocksRandomTxs for x/receipts, x/content and x/eval
// (the table is in blocks_gen_test.go).

import (
	"bytes"
	"crypto/ed25519"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/receipt"
	contenttypes "github.com/prova-network/prova/x/content/types"
	evaltypes "github.com/prova-network/prova/x/eval/types"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
)

// --- receipts ---

func genRegisterLog(w *world) *plannedTx {
	const kind = "receipts/MsgRegisterLog"
	op := w.freeFrom(append(append([]*account{}, w.users...), w.vals...))
	if op == nil {
		return nil
	}
	l := w.newLog("blocks.test/"+w.name("log"), op)
	bond := coin(10_000_000 + w.r.Int64N(10_000_000))
	msg := func() sdk.Msg {
		return &receiptstypes.MsgRegisterLog{Operator: op.String(), Origin: l.origin, VerifierKey: l.verifier, Bond: bond}
	}
	if w.invalidTurn() {
		switch w.r.IntN(3) {
		case 0:
			if len(w.logs) > 0 {
				l = w.newLog(pick(w.r, w.logs).origin, op)
				return invalid(kind, op, receiptstypes.ErrLogExists, "origin taken", msg())
			}
			fallthrough
		case 1:
			bond = coin(1_000_000)
			return invalid(kind, op, receiptstypes.ErrBondTooSmall, "bond below the minimum", msg())
		default:
			l.origin += "-other"
			return invalid(kind, op, receiptstypes.ErrInvalidLog, "key named for another origin", msg())
		}
	}
	return valid(kind, op, func([]byte) { w.logs = append(w.logs, l) }, msg())
}

// freeLog picks a log not touched this block and reserves it.
func (w *world) freeLog(ok func(*logState) bool) *logState {
	for _, i := range w.r.Perm(len(w.logs)) {
		if l := w.logs[i]; ok(l) && w.take("log:"+l.origin) {
			return l
		}
	}
	return nil
}

func genAnchor(w *world) *plannedTx {
	const kind = "receipts/MsgAnchorCheckpoint"
	l := w.freeLog(func(l *logState) bool { return !l.frozen && !w.busy[l.operator.String()] })
	if l == nil {
		return nil
	}
	w.take(l.operator.String())
	from := l.anchored
	for range 1 + w.r.IntN(4) {
		l.tree.AppendData(w.bytes(24))
	}
	size := l.tree.Size()
	proof := func() [][]byte {
		if from == 0 {
			return nil
		}
		p, err := l.tree.ConsistencyProof(from, size)
		if err != nil {
			panic(err)
		}
		return p
	}
	msg := &receiptstypes.MsgAnchorCheckpoint{Operator: l.operator.String(), LogId: l.origin, Checkpoint: l.sign(size, l.tree.HashAt(size)), ConsistencyProof: proof()}
	if w.invalidTurn() {
		switch w.r.IntN(6) {
		case 0:
			if from > 0 {
				msg.Checkpoint, msg.ConsistencyProof = l.sign(from, l.tree.HashAt(from)), nil
				return invalid(kind, l.operator, receiptstypes.ErrNotNewer, "not larger than the anchored one", msg)
			}
			fallthrough
		case 1:
			if from > 0 {
				msg.ConsistencyProof[0] = bytes.Clone(msg.ConsistencyProof[0])
				msg.ConsistencyProof[0][0] ^= 1
				return invalid(kind, l.operator, receiptstypes.ErrNotAppend, "tampered consistency proof", msg)
			}
			fallthrough
		case 2:
			if other := w.freeUser(); other != nil && other != l.operator {
				msg.Operator = other.String()
				return invalid(kind, other, receiptstypes.ErrNotOperator, "not the operator", msg)
			}
			fallthrough
		case 3:
			impostor := w.newLog(l.origin, l.operator)
			msg.Checkpoint = impostor.sign(size, l.tree.HashAt(size))
			return invalid(kind, l.operator, receiptstypes.ErrInvalidCheckpoint, "signed by another key", msg)
		case 4:
			msg.LogId = "blocks.test/no-such-log"
			return invalid(kind, l.operator, receiptstypes.ErrLogNotFound, "unknown log", msg)
		default:
			for _, f := range w.logs {
				if f.frozen && (f.operator == l.operator || w.take(f.operator.String())) {
					msg.Operator, msg.LogId, msg.Checkpoint, msg.ConsistencyProof = f.operator.String(), f.origin, f.sign(f.anchored+1, w.bytes(32)), nil
					return invalid(kind, f.operator, receiptstypes.ErrLogFrozen, "frozen log", msg)
				}
			}
			msg.LogId = "blocks.test/no-such-log"
			return invalid(kind, l.operator, receiptstypes.ErrLogNotFound, "unknown log", msg)
		}
	}
	return valid(kind, l.operator, func([]byte) { l.anchored = size }, msg)
}

// genEquivocation reports a log that signed a second root for an anchored
// size. Valid reports freeze the log for good, so they are made only
// while a few other logs stay live.
func genEquivocation(w *world) *plannedTx {
	const kind = "receipts/MsgReportEquivocation"
	live := 0
	for _, l := range w.logs {
		if !l.frozen {
			live++
		}
	}
	l := w.freeLog(func(l *logState) bool { return !l.frozen && l.anchored > 0 })
	if l == nil {
		return nil
	}
	reporter := w.freeUser()
	if reporter == nil {
		return nil
	}
	if live < 4 || w.r.IntN(3) > 0 {
		msg := &receiptstypes.MsgReportEquivocation{Reporter: reporter.String(), LogId: l.origin, CheckpointA: l.sign(l.anchored, l.tree.HashAt(l.anchored))}
		return invalid(kind, reporter, receiptstypes.ErrNoEquivocation, "the anchored root itself", msg)
	}
	msg := &receiptstypes.MsgReportEquivocation{Reporter: reporter.String(), LogId: l.origin, CheckpointA: l.sign(l.anchored, w.bytes(32))}
	return valid(kind, reporter, func([]byte) { l.frozen = true }, msg)
}

func (w *world) signedReceipt(model string) []byte {
	env, err := receipt.Sign(receipt.NewStatement(receipt.Predicate{
		Model:        model,
		Provider:     receipt.Provider{ID: "blocks-provider", KeyID: receipt.KeyID(w.providerPub())},
		InputDigest:  w.digest(),
		OutputDigest: "blake3:" + w.hex32(),
		Tokens:       receipt.Tokens{Input: uint64(1 + w.r.IntN(1000)), Output: uint64(1 + w.r.IntN(1000))},
		RequestID:    w.name("req"),
		Time:         receipt.FormatTime(w.time),
	}), w.provider)
	if err != nil {
		panic(err)
	}
	return env.Canonical()
}

func (w *world) providerPub() []byte { return w.provider.Public().(ed25519.PublicKey) }

func genRecordInference(w *world) *plannedTx {
	const kind = "receipts/MsgRecordInference"
	if len(w.models) == 0 {
		return nil
	}
	user := w.freeUser()
	if user == nil {
		return nil
	}
	env := w.signedReceipt(pick(w.r, w.models).id)
	msg := &receiptstypes.MsgRecordInference{Provider: user.String(), Envelope: env, ProviderKey: w.providerPub()}
	if w.invalidTurn() {
		switch w.r.IntN(3) {
		case 0:
			msg.Envelope = w.signedReceipt(w.digest())
			return invalid(kind, user, receiptstypes.ErrUnknownModel, "unknown model", msg)
		case 1:
			if len(w.receipts) > 0 {
				msg.Envelope = pick(w.r, w.receipts)
				return invalid(kind, user, receiptstypes.ErrDuplicateReceipt, "recorded already", msg)
			}
			fallthrough
		default:
			msg.ProviderKey = bytes.Clone(msg.ProviderKey)
			msg.ProviderKey[0] ^= 1
			return invalid(kind, user, receiptstypes.ErrInvalidReceipt, "another provider key", msg)
		}
	}
	return valid(kind, user, func([]byte) { w.receipts = append(w.receipts, env) }, msg)
}

// --- content ---

func genRegisterContent(w *world) *plannedTx {
	const kind = "content/MsgRegisterContent"
	user := w.freeUser()
	if user == nil {
		return nil
	}
	info := contenttypes.ContentInfo{Sha256: w.hex32(), Blake3: w.hex32(), MediaType: "image/png"}
	if models := w.unflaggedModels(); len(models) > 0 && w.r.IntN(2) == 0 {
		info.DigitalSourceType, info.ModelId = contenttypes.TrainedAlgorithmicMedia, pick(w.r, models).id
		if len(w.logs) > 0 && w.r.IntN(2) == 0 {
			info.Receipt = &contenttypes.ReceiptRef{LogId: pick(w.r, w.logs).origin, Index: uint64(w.r.IntN(10))}
		}
	} else {
		info.DigitalSourceType, info.Attestation = "digitalCapture", "photographed by the creator"
	}
	msg := func() sdk.Msg { return &contenttypes.MsgRegisterContent{Creator: user.String(), Info: info} }
	if w.invalidTurn() {
		ai := func(model string) {
			info.DigitalSourceType, info.ModelId, info.Attestation, info.Receipt = contenttypes.TrainedAlgorithmicMedia, model, "", nil
		}
		switch w.r.IntN(5) {
		case 0:
			if len(w.contents) > 0 {
				info.Sha256 = pick(w.r, w.contents)
				return invalid(kind, user, contenttypes.ErrAlreadyRegistered, "duplicate digest", msg())
			}
			fallthrough
		case 1:
			if flagged := w.flaggedModels(); len(flagged) > 0 {
				ai(pick(w.r, flagged).id)
				return invalid(kind, user, contenttypes.ErrModelFlagged, "model flagged by governance", msg())
			}
			fallthrough
		case 2:
			ai(w.digest())
			return invalid(kind, user, contenttypes.ErrUnknownModel, "unknown model", msg())
		case 3:
			if models := w.unflaggedModels(); len(models) > 0 {
				ai(pick(w.r, models).id)
				info.Receipt = &contenttypes.ReceiptRef{LogId: "blocks.test/no-such-log"}
				return invalid(kind, user, contenttypes.ErrUnknownLog, "unknown receipt log", msg())
			}
			fallthrough
		default:
			info.Sha256 = "ABCDEF" + info.Sha256[6:]
			return invalid(kind, user, contenttypes.ErrInvalidDigest, "upper-case digest", msg())
		}
	}
	return valid(kind, user, func([]byte) { w.contents = append(w.contents, info.Sha256) }, msg())
}

// --- eval ---

func genCreateTask(w *world) *plannedTx {
	const kind = "eval/MsgCreateEvalTask"
	recs := w.records()
	if len(recs) == 0 {
		return nil
	}
	user := w.freeUser()
	if user == nil {
		return nil
	}
	commit, reveal := int64(2+w.r.IntN(2)), int64(2+w.r.IntN(2))
	msg := &evaltypes.MsgCreateEvalTask{
		Creator: user.String(), TargetId: pick(w.r, recs).id, BenchmarkUri: "https://example.com/bench", BenchmarkDigest: w.digest(),
		Metric: "accuracy", ScoreMax: 10_000, Pool: coin(1_000_000 * (1 + w.r.Int64N(3))), CommitBlocks: commit, RevealBlocks: reveal,
		MinEvaluators: uint32(1 + w.r.IntN(2)), Tolerance: 500, SlashDistance: 2_000,
	}
	if w.invalidTurn() {
		switch w.r.IntN(3) {
		case 0:
			msg.TargetId = w.digest()
			return invalid(kind, user, evaltypes.ErrUnknownTarget, "unknown target", msg)
		case 1:
			msg.Pool = coin(1)
			return invalid(kind, user, evaltypes.ErrPoolTooSmall, "pool below the minimum", msg)
		default:
			msg.Metric = ""
			return invalid(kind, user, evaltypes.ErrInvalidTask, "no metric", msg)
		}
	}
	height := w.height
	return valid(kind, user, func(data []byte) {
		var res evaltypes.MsgCreateEvalTaskResponse
		if err := msgResponse(data, &res); err != nil {
			panic(err)
		}
		w.tasks = append(w.tasks, &taskState{
			id: res.TaskId, commitEnd: height + commit, revealEnd: height + commit + reveal,
			score: uint64(1_000 + w.r.IntN(8_000)), commits: map[string]commitState{}, revealed: map[string]bool{},
		})
	}, msg)
}

func commitMsg(v *account, task, score uint64, salt []byte) sdk.Msg {
	return &evaltypes.MsgCommitScore{Evaluator: v.String(), TaskId: task, Hash: evaltypes.CommitHash(task, v.String(), score, salt)}
}

func revealMsg(v *account, task, score uint64, salt []byte) sdk.Msg {
	return &evaltypes.MsgRevealScore{Evaluator: v.String(), TaskId: task, Score: score, Salt: salt}
}

func genCommit(w *world) *plannedTx {
	const kind = "eval/MsgCommitScore"
	var open []*taskState
	for _, t := range w.tasks {
		if w.height <= t.commitEnd {
			open = append(open, t)
		}
	}
	if w.invalidTurn() {
		return invalidCommit(w)
	}
	if len(open) == 0 {
		return nil
	}
	t := pick(w.r, open)
	var v *account
	for _, i := range w.r.Perm(len(w.vals)) {
		if _, done := t.commits[w.vals[i].String()]; !done && w.take(w.vals[i].String()) {
			v = w.vals[i]
			break
		}
	}
	if v == nil {
		return nil
	}
	return w.commitTx(t, v)
}

// commitTx is v's valid commit to t. Most evaluators report close to the
// task's score; some deviate far enough to be slashed at the tally.
func (w *world) commitTx(t *taskState, v *account) *plannedTx {
	score := t.score
	if w.r.IntN(4) == 0 {
		score = uint64(w.r.IntN(10_001))
	}
	salt := w.bytes(16 + w.r.IntN(17))
	return valid("eval/MsgCommitScore", v, func([]byte) { t.commits[v.String()] = commitState{score, salt} }, commitMsg(v, t.id, score, salt))
}

// findEvaluator reserves, in random order, a task and a free validator
// for which ok holds.
func (w *world) findEvaluator(ok func(*taskState, *account) bool) (*taskState, *account) {
	for _, i := range w.r.Perm(len(w.tasks)) {
		for _, j := range w.r.Perm(len(w.vals)) {
			t, v := w.tasks[i], w.vals[j]
			if !w.busy[v.String()] && ok(t, v) {
				w.take(v.String())
				return t, v
			}
		}
	}
	return nil, nil
}

func (t *taskState) committed(v *account) bool { _, ok := t.commits[v.String()]; return ok }

// invalidCommit picks one of the ways a commit fails and finds a task and
// evaluator it applies to.
func invalidCommit(w *world) *plannedTx {
	const kind = "eval/MsgCommitScore"
	salt := w.bytes(16)
	inWindow := func(t *taskState) bool { return w.height <= t.commitEnd }
	switch w.r.IntN(5) {
	case 0:
		for _, t := range w.tasks {
			if !inWindow(t) {
				continue
			}
			if user := w.freeUser(); user != nil {
				return invalid(kind, user, evaltypes.ErrNotEvaluator, "not a validator", commitMsg(user, t.id, 1, salt))
			}
		}
	case 1:
		if t, v := w.findEvaluator(func(t *taskState, _ *account) bool { return !inWindow(t) }); t != nil {
			return invalid(kind, v, evaltypes.ErrCommitClosed, "commit window closed", commitMsg(v, t.id, 1, salt))
		}
	case 2:
		if t, v := w.findEvaluator(func(t *taskState, v *account) bool { return inWindow(t) && t.committed(v) }); t != nil {
			return invalid(kind, v, evaltypes.ErrAlreadyDone, "committed already", commitMsg(v, t.id, 1, salt))
		}
	case 3:
		if v := w.freeFrom(w.vals); v != nil {
			msg := commitMsg(v, 1, 1, salt).(*evaltypes.MsgCommitScore)
			msg.Hash = msg.Hash[:31]
			return invalid(kind, v, evaltypes.ErrInvalidTask, "short hash", msg)
		}
	default:
		if v := w.freeFrom(w.vals); v != nil {
			return invalid(kind, v, evaltypes.ErrTaskNotFound, "unknown task", commitMsg(v, 1_000_000, 1, salt))
		}
	}
	return nil
}

// genRevealInvalid makes reveals that must fail; valid reveals are duties.
func genRevealInvalid(w *world) *plannedTx {
	const kind = "eval/MsgRevealScore"
	inReveal := func(t *taskState) bool { return w.height > t.commitEnd && w.height <= t.revealEnd }
	switch w.r.IntN(4) {
	case 0:
		if t, v := w.findEvaluator(func(t *taskState, _ *account) bool { return !inReveal(t) }); t != nil {
			return invalid(kind, v, evaltypes.ErrRevealClosed, "outside the reveal window", revealMsg(v, t.id, 1, w.bytes(16)))
		}
	case 1:
		for _, t := range w.tasks {
			if !inReveal(t) {
				continue
			}
			if user := w.freeUser(); user != nil { // users never commit
				return invalid(kind, user, evaltypes.ErrNoCommit, "no commit", revealMsg(user, t.id, 1, w.bytes(16)))
			}
		}
	case 2:
		if t, v := w.findEvaluator(func(t *taskState, v *account) bool { return inReveal(t) && t.revealed[v.String()] }); t != nil {
			c := t.commits[v.String()]
			return invalid(kind, v, evaltypes.ErrAlreadyDone, "revealed already", revealMsg(v, t.id, c.score, c.salt))
		}
	default:
		// The evaluator's real reveal is then not sent this block.
		if t, v := w.findEvaluator(func(t *taskState, v *account) bool { return inReveal(t) && t.committed(v) && !t.revealed[v.String()] }); t != nil {
			c := t.commits[v.String()]
			return invalid(kind, v, evaltypes.ErrRevealMismatch, "wrong salt", revealMsg(v, t.id, c.score, append(bytes.Clone(c.salt), 0)))
		}
	}
	return nil
}
