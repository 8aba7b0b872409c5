package app

// Message generators of TestBlocksRandomTxs: one per message type, each
// returning a valid transaction or, one time in three, an invalid one
// with the registered error it must fail with.

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	evaltypes "github.com/prova-network/prova/x/eval/types"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// generator builds one transaction of its kind, or nil when the world
// has nothing it could be about (or no free signer) this block.
type generator struct {
	kind   string
	weight int
	// minOK is how many txs of the kind must succeed over the run, so
	// that the test cannot pass without exercising it. Kinds whose valid
	// txs come from duties (votes, reveals) are counted the same way.
	minOK int
	gen   func(w *world) *plannedTx
	// variants is how many different invalid txs gen makes; with the
	// default seed and block count, each must have been tried.
	variants int
}

var generators = []generator{
	{"bank/MsgSend", 3, 10, genSend, 3},
	{"staking/MsgDelegate", 1, 5, genDelegate, 1},
	{"registry/MsgRegisterDataset", 3, 10, genRegisterDataset, 5},
	{"registry/MsgRegisterModel", 3, 10, genRegisterModel, 4},
	{"registry/MsgUpdateMetadata", 2, 5, genUpdateMetadata, 3},
	{"registry/MsgTransferOwnership", 2, 5, genTransferOwnership, 3},
	// MsgSetModelStatus succeeds only through governance; directly it is
	// always refused. Its successes are counted from executed proposals.
	{"registry/MsgSetModelStatus", 1, 0, genSetModelStatusDirect, 1},
	{"gov/MsgSubmitProposal", 1, 3, genSubmitProposal, 1},
	{"gov/MsgVote", 1, 5, genVoteInvalid, 1},
	{"receipts/MsgRegisterLog", 1, 4, genRegisterLog, 3},
	{"receipts/MsgAnchorCheckpoint", 3, 10, genAnchor, 6},
	{"receipts/MsgReportEquivocation", 1, 1, genEquivocation, 1},
	{"receipts/MsgRecordInference", 2, 8, genRecordInference, 3},
	{"content/MsgRegisterContent", 3, 10, genRegisterContent, 5},
	{"eval/MsgCreateEvalTask", 1, 4, genCreateTask, 3},
	{"eval/MsgCommitScore", 2, 10, genCommit, 5},
	{"eval/MsgRevealScore", 2, 4, genRevealInvalid, 4},
}

func coin(amount int64) sdk.Coin { return sdk.NewInt64Coin(BondDenom, amount) }

// --- bank and staking ---

func genSend(w *world) *plannedTx {
	const kind = "bank/MsgSend"
	from := w.freeUser()
	if from == nil {
		return nil
	}
	to := sdk.AccAddress(w.bytes(20)).String() // a new account
	if w.r.IntN(2) == 0 {
		to = pick(w.r, w.users).String()
	}
	send := func(to string, amt int64) sdk.Msg {
		return &banktypes.MsgSend{FromAddress: from.String(), ToAddress: to, Amount: sdk.NewCoins(coin(amt))}
	}
	if w.invalidTurn() {
		switch w.r.IntN(3) {
		case 0:
			return invalid(kind, from, sdkerrors.ErrInsufficientFunds, "more than the balance", send(to, 100*accountTokens))
		case 1:
			return invalid(kind, from, sdkerrors.ErrUnauthorized, "to a module account", send(authtypes.NewModuleAddress(evaltypes.ModuleName).String(), 1))
		default:
			return invalid(kind, from, sdkerrors.ErrInvalidAddress, "bad recipient address", send("prova1notanaddress", 1))
		}
	}
	return valid(kind, from, nil, send(to, 1+w.r.Int64N(1_000_000)))
}

func genDelegate(w *world) *plannedTx {
	const kind = "staking/MsgDelegate"
	from := w.freeUser()
	if from == nil {
		return nil
	}
	amt := coin(1_000_000 * (1 + w.r.Int64N(100)))
	if w.invalidTurn() {
		unknown := sdk.ValAddress(w.bytes(20)).String()
		return invalid(kind, from, stakingtypes.ErrNoValidatorFound, "unknown validator", stakingtypes.NewMsgDelegate(from.String(), unknown, amt))
	}
	val := sdk.ValAddress(pick(w.r, w.vals).addr).String()
	return valid(kind, from, nil, stakingtypes.NewMsgDelegate(from.String(), val, amt))
}

// --- registry ---

func (w *world) datasetInfo(owner *account) registrytypes.DatasetInfo {
	d := registrytypes.DatasetInfo{
		Id: w.digest(), Name: w.name("dataset"), Version: "1.0",
		License: pick(w.r, []string{"CC-BY-4.0", "MIT", "Apache-2.0 OR MIT", "LicenseRef-Internal"}),
		Usage:   registrytypes.UsageTerms{Use: registrytypes.Use_USE_COMMERCIAL, Attribution: true},
	}
	if w.r.IntN(2) == 0 {
		d.Contributors = []registrytypes.Contributor{{Address: owner.String(), ShareBps: 10_000}}
	}
	return d
}

func genRegisterDataset(w *world) *plannedTx {
	const kind = "registry/MsgRegisterDataset"
	owner := w.freeUser()
	if owner == nil {
		return nil
	}
	d := w.datasetInfo(owner)
	msg := func() sdk.Msg { return &registrytypes.MsgRegisterDataset{Owner: owner.String(), Dataset: d} }
	if w.invalidTurn() {
		switch recs := w.records(); w.r.IntN(5) {
		case 0:
			if len(recs) > 0 {
				d.Id = pick(w.r, recs).id
				return invalid(kind, owner, registrytypes.ErrAlreadyRegistered, "duplicate id", msg())
			}
			fallthrough
		case 1:
			d.License = "Not A License ("
			return invalid(kind, owner, registrytypes.ErrInvalidLicense, "bad license", msg())
		case 2:
			d.Contributors = []registrytypes.Contributor{{Address: owner.String(), ShareBps: 9_999}}
			return invalid(kind, owner, registrytypes.ErrInvalidShares, "shares do not sum to 10000", msg())
		case 3:
			d.Contributors = []registrytypes.Contributor{{Address: "prova1bad", ShareBps: 10_000}}
			return invalid(kind, owner, registrytypes.ErrInvalidAddress, "bad contributor address", msg())
		default:
			d.Id = "sha256:" + "ABCDEF" + d.Id[13:]
			return invalid(kind, owner, registrytypes.ErrInvalidDigest, "upper-case digest", msg())
		}
	}
	return valid(kind, owner, func([]byte) { w.datasets = append(w.datasets, &record{id: d.Id, owner: owner}) }, msg())
}

func genRegisterModel(w *world) *plannedTx {
	const kind = "registry/MsgRegisterModel"
	owner := w.freeUser()
	if owner == nil {
		return nil
	}
	m := registrytypes.ModelInfo{
		Id: w.digest(), Name: w.name("model"), Version: "1", Format: "safetensors", License: "Apache-2.0",
		ParameterCount: uint64(1 + w.r.IntN(1_000_000_000)), ArchFingerprint: w.digest(),
	}
	for _, i := range w.r.Perm(len(w.models))[:min(len(w.models), w.r.IntN(3))] {
		m.Parents = append(m.Parents, registrytypes.ParentLink{ModelId: w.models[i].id, Relation: registrytypes.ParentRelation(1 + w.r.IntN(5))})
	}
	for _, i := range w.r.Perm(len(w.datasets))[:min(len(w.datasets), w.r.IntN(3))] {
		m.Datasets = append(m.Datasets, registrytypes.DatasetLink{DatasetId: w.datasets[i].id, Relation: registrytypes.DatasetRelation(1 + w.r.IntN(3))})
	}
	msg := func() sdk.Msg { return &registrytypes.MsgRegisterModel{Owner: owner.String(), Model: m} }
	if w.invalidTurn() {
		switch recs := w.records(); w.r.IntN(4) {
		case 0:
			m.Parents = append(m.Parents, registrytypes.ParentLink{ModelId: w.digest(), Relation: registrytypes.ParentRelation_PARENT_RELATION_FINETUNE})
			return invalid(kind, owner, registrytypes.ErrUnknownParent, "unknown parent", msg())
		case 1:
			m.Datasets = append(m.Datasets, registrytypes.DatasetLink{DatasetId: w.digest(), Relation: registrytypes.DatasetRelation_DATASET_RELATION_TRAINED_ON})
			return invalid(kind, owner, registrytypes.ErrUnknownDataset, "unknown dataset", msg())
		case 2:
			if len(recs) > 0 {
				// (Without links: the record could be among them.)
				m.Id, m.Parents, m.Datasets = pick(w.r, recs).id, nil, nil
				return invalid(kind, owner, registrytypes.ErrAlreadyRegistered, "duplicate id", msg())
			}
			fallthrough
		default:
			m.Parents = append(m.Parents, registrytypes.ParentLink{ModelId: m.Id, Relation: registrytypes.ParentRelation_PARENT_RELATION_MERGE})
			return invalid(kind, owner, registrytypes.ErrInvalidRelation, "its own parent", msg())
		}
	}
	return valid(kind, owner, func([]byte) { w.models = append(w.models, &record{id: m.Id, owner: owner}) }, msg())
}

// ownedRecord picks a record not touched this block whose owner is free,
// and reserves both.
func (w *world) ownedRecord() *record {
	recs := w.records()
	for _, i := range w.r.Perm(len(recs)) {
		rec := recs[i]
		if !w.busy[rec.id] && !w.busy[rec.owner.String()] {
			w.take(rec.id)
			w.take(rec.owner.String())
			return rec
		}
	}
	return nil
}

func genUpdateMetadata(w *world) *plannedTx {
	const kind = "registry/MsgUpdateMetadata"
	rec := w.ownedRecord()
	if rec == nil {
		return nil
	}
	msg := &registrytypes.MsgUpdateMetadata{Owner: rec.owner.String(), Id: rec.id, Name: w.name("renamed"), Version: "2", Uri: "https://example.com/card", Digest: w.digest()}
	if w.invalidTurn() {
		switch w.r.IntN(3) {
		case 0:
			if other := w.freeUser(); other != nil && other != rec.owner {
				msg.Owner = other.String()
				return invalid(kind, other, registrytypes.ErrNotOwner, "not the owner", msg)
			}
			fallthrough
		case 1:
			msg.Id = w.digest()
			return invalid(kind, rec.owner, registrytypes.ErrNotFound, "unknown id", msg)
		default:
			msg.Name, msg.Version, msg.Uri, msg.Digest = "", "", "", ""
			return invalid(kind, rec.owner, registrytypes.ErrInvalidField, "nothing to update", msg)
		}
	}
	return valid(kind, rec.owner, nil, msg)
}

func genTransferOwnership(w *world) *plannedTx {
	const kind = "registry/MsgTransferOwnership"
	rec := w.ownedRecord()
	if rec == nil {
		return nil
	}
	to := pick(w.r, w.users)
	for to == rec.owner {
		to = pick(w.r, w.users)
	}
	msg := &registrytypes.MsgTransferOwnership{Owner: rec.owner.String(), Id: rec.id, NewOwner: to.String()}
	if w.invalidTurn() {
		switch w.r.IntN(3) {
		case 0:
			if other := w.freeUser(); other != nil && other != rec.owner {
				// (To the real owner, so that the new owner is never the signer.)
				msg.Owner, msg.NewOwner = other.String(), rec.owner.String()
				return invalid(kind, other, registrytypes.ErrNotOwner, "not the owner", msg)
			}
			fallthrough
		case 1:
			msg.NewOwner = "prova1notanaddress"
			return invalid(kind, rec.owner, registrytypes.ErrInvalidAddress, "bad new owner", msg)
		default:
			msg.NewOwner = rec.owner.String()
			return invalid(kind, rec.owner, registrytypes.ErrInvalidField, "new owner is the owner", msg)
		}
	}
	return valid(kind, rec.owner, func([]byte) { rec.owner = to }, msg)
}

func genSetModelStatusDirect(w *world) *plannedTx {
	if len(w.models) == 0 {
		return nil
	}
	user := w.freeUser()
	if user == nil {
		return nil
	}
	msg := &registrytypes.MsgSetModelStatus{Authority: user.String(), ModelId: pick(w.r, w.models).id, Status: registrytypes.ModelStatus_MODEL_STATUS_APPROVED}
	return invalid("registry/MsgSetModelStatus", user, registrytypes.ErrInvalidAuthority, "signed by a user, not governance", msg)
}

// --- gov ---

// govAddr is the gov module account. (Not a package variable: those are
// set before config.go's init sets the bech32 prefix, and the SDK caches
// an address's string.)
func govAddr() string { return authtypes.NewModuleAddress(govtypes.ModuleName).String() }

func genSubmitProposal(w *world) *plannedTx {
	const kind = "gov/MsgSubmitProposal"
	if len(w.models) == 0 {
		return nil
	}
	user := w.freeUser()
	if user == nil {
		return nil
	}
	model, expectPass := pick(w.r, w.models).id, true
	if w.r.IntN(5) == 0 {
		model, expectPass = w.digest(), false // passes the vote, fails to execute
	}
	status := pick(w.r, []registrytypes.ModelStatus{registrytypes.ModelStatus_MODEL_STATUS_FLAGGED, registrytypes.ModelStatus_MODEL_STATUS_APPROVED, registrytypes.ModelStatus_MODEL_STATUS_DEPRECATED})
	set := &registrytypes.MsgSetModelStatus{Authority: govAddr(), ModelId: model, Status: status, Reason: "blocks test"}
	deposit := sdk.NewCoins(coin(minDeposit))
	if w.invalidTurn() {
		set.Authority = user.String()
		prop, err := govv1.NewMsgSubmitProposal([]sdk.Msg{set}, deposit, user.String(), "", "set status", "by a user", false)
		if err != nil {
			panic(err)
		}
		return invalid(kind, user, govtypes.ErrInvalidSigner, "message not signed by gov", prop)
	}
	prop, err := govv1.NewMsgSubmitProposal([]sdk.Msg{set}, deposit, user.String(), "", "set model status", "blocks test", false)
	if err != nil {
		panic(err)
	}
	return valid(kind, user, func(data []byte) {
		var res govv1.MsgSubmitProposalResponse
		if err := msgResponse(data, &res); err != nil {
			panic(err)
		}
		w.proposals = append(w.proposals, &proposalState{id: res.ProposalId, modelID: model, status: status, expectPass: expectPass, voted: map[string]bool{}})
	}, prop)
}

// genVoteInvalid votes on a proposal that does not exist; valid votes are
// duties.
func genVoteInvalid(w *world) *plannedTx {
	user := w.freeUser()
	if user == nil {
		return nil
	}
	return invalid("gov/MsgVote", user, govtypes.ErrInactiveProposal, "unknown proposal", govv1.NewMsgVote(user.addr, 1_000_000, govv1.OptionYes, ""))
}
