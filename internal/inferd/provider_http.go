package inferd

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tensorio"
)

// HTTP API paths.
const (
	PathInfer  = "/v1/infer"
	PathInputs = "/v1/inputs/"
	PathInfo   = "/v1/info"
)

// InferResponse answers POST /v1/infer. Digests and the root are
// "sha256:<hex>". ClaimID and Receipt are set once the claim is on chain
// and the receipt in the log; Pending says one of them was not done within
// the provider's claim wait (it is posted later: the run is stored).
type InferResponse struct {
	Run          uint64                     `json:"run"`
	ModelID      string                     `json:"model_id"`
	Outputs      map[string]tensorio.Output `json:"outputs"`
	Argmax       *int                       `json:"argmax,omitempty"`
	InputDigest  string                     `json:"input_digest"`
	OutputDigest string                     `json:"output_digest"`
	TraceRoot    string                     `json:"trace_root"`
	TraceSize    uint64                     `json:"trace_size"`
	ClaimID      uint64                     `json:"claim_id,omitempty"`
	Receipt      *ReceiptRef                `json:"receipt,omitempty"`
	Pending      bool                       `json:"pending,omitempty"`
}

// InfoResponse answers GET /v1/info.
type InfoResponse struct {
	ModelID   string   `json:"model_id"`
	Provider  string   `json:"provider"`
	TraceSize uint64   `json:"trace_size"`
	Inputs    []ioInfo `json:"inputs"`
	Outputs   []ioInfo `json:"outputs"`
	Runs      int      `json:"runs"`
	KeyID     string   `json:"receipt_key_id,omitempty"`
}

type ioInfo struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
}

// apiError is an error answer; its message is for the client, never an
// internal error's text.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

var (
	errBusy     = &apiError{http.StatusServiceUnavailable, "busy", "too many requests in progress; retry shortly"}
	errInternal = &apiError{http.StatusInternalServerError, "internal", "internal error"}
	errNotFound = &apiError{http.StatusNotFound, "not_found", "no run with that input digest"}
)

func badRequest(msg string) *apiError { return &apiError{http.StatusBadRequest, "bad_request", msg} }

// Handler is the provider's HTTP API.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathInfer, p.handleInfer)
	mux.HandleFunc("GET "+PathInputs+"{digest}", p.handleInputs)
	mux.HandleFunc("GET "+PathInfo, p.handleInfo)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Provider) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		p.log.Error("request failed", "path", r.URL.Path, logErr, err.Error())
		ae = errInternal
	}
	if ae.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, ae.status, map[string]string{"error": ae.msg, "code": ae.code})
}

func modelInputs(prog Program) []tensorio.Input {
	var in []tensorio.Input
	for _, v := range prog.Inputs() {
		in = append(in, tensorio.Input{Name: v.Name, Type: v.Type, Dims: v.Dims})
	}
	return in
}

// handleInfer runs one inference: read the inputs (.npy or JSON), run
// with a trace, store the run durably, queue its claim and receipt, wait
// for them up to ClaimWait, answer.
func (p *Provider) handleInfer(w http.ResponseWriter, r *http.Request) {
	select {
	case p.admit <- struct{}{}:
		defer func() { <-p.admit }()
	default:
		p.writeError(w, r, errBusy)
		return
	}
	if r.ContentLength > p.cfg.MaxBody {
		p.writeError(w, r, &apiError{http.StatusRequestEntityTooLarge, "too_large", "body over " + strconv.FormatInt(p.cfg.MaxBody, 10) + " bytes"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			p.writeError(w, r, &apiError{http.StatusRequestEntityTooLarge, "too_large", "body over " + strconv.FormatInt(p.cfg.MaxBody, 10) + " bytes"})
			return
		}
		p.writeError(w, r, badRequest("could not read the body"))
		return
	}
	inputs, err := tensorio.ReadInputs(body, modelInputs(p.prog))
	if err != nil {
		// tensorio's errors describe the client's data, not our state.
		p.writeError(w, r, badRequest(err.Error()))
		return
	}
	select {
	case p.worker <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	n := p.served.Add(1)
	lie := p.cfg.LieEvery > 0 && n%uint64(p.cfg.LieEvery) == 0
	tr, err := Execute(p.prog, inputs, lie)
	<-p.worker
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	run := Run{Time: time.Now(), InputDigest: tr.InputDigest, OutputDigest: tr.OutputDigest, TraceRoot: tr.Root, TraceSize: uint64(len(tr.Leaves)), Lie: lie}
	if p.pub != nil {
		if run.Envelope, err = p.signReceipt(tr, run.Time); err != nil {
			p.writeError(w, r, err)
			return
		}
	}
	seq, err := p.store.AppendRun(run, tr.Inputs)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	p.log.Info("inference", logRun, seq, "input_digest", DigestText(tr.InputDigest), "output_digest", DigestText(tr.OutputDigest),
		logRoot, DigestText(tr.Root), "lie", lie)
	done := p.enqueue(seq)
	if p.cfg.ClaimWait > 0 {
		t := time.NewTimer(p.cfg.ClaimWait)
		select {
		case <-done:
		case <-t.C:
		case <-r.Context().Done():
		case <-p.closed:
		}
		t.Stop()
	}
	p.forget(seq, done)
	stored, _ := p.store.Get(seq)
	resp := InferResponse{
		Run: seq, ModelID: p.cfg.ModelID, Outputs: map[string]tensorio.Output{},
		InputDigest: DigestText(tr.InputDigest), OutputDigest: DigestText(tr.OutputDigest), TraceRoot: DigestText(tr.Root), TraceSize: run.TraceSize,
		ClaimID: stored.ClaimID, Receipt: stored.Receipt,
		Pending: (p.cfg.ClaimOnChain && stored.ClaimID == 0) || (p.pub != nil && stored.Receipt == nil),
	}
	for i, o := range p.prog.Outputs() {
		if i < len(tr.Outputs) {
			resp.Outputs[o.Name] = tensorio.ToOutput(tr.Outputs[i])
		}
	}
	if len(tr.Outputs) == 1 && tr.Outputs[0].Len() > 1 {
		a := tensorio.Argmax(tr.Outputs[0])
		resp.Argmax = &a
	}
	writeJSON(w, http.StatusOK, resp)
}

// signReceipt signs the receipt of a run: a claim of this provider's
// receipt key with the trace root.
func (p *Provider) signReceipt(tr *Trace, at time.Time) ([]byte, error) {
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	pr := receipt.Predicate{
		Model: p.cfg.ModelID, InputDigest: DigestText(tr.InputDigest), OutputDigest: DigestText(tr.OutputDigest),
		RequestID: "run-" + hex.EncodeToString(id[:]), Time: receipt.FormatTime(at),
		TraceRoot: DigestText(tr.Root), TraceSize: uint64(len(tr.Leaves)),
	}
	pr.Provider.ID, pr.Provider.KeyID = p.cfg.ProviderName, receipt.KeyID(p.pub)
	env, err := receipt.Sign(receipt.NewStatement(pr), p.cfg.ReceiptKey)
	if err != nil {
		return nil, err
	}
	return env.Canonical(), nil
}

// handleInputs serves a run's input encodings by input digest: what a
// watcher re-executes, and what MsgPostInput would carry.
func (p *Provider) handleInputs(w http.ResponseWriter, r *http.Request) {
	d, err := ParseDigest(r.PathValue("digest"))
	if err != nil {
		p.writeError(w, r, badRequest(err.Error()))
		return
	}
	b, ok, err := p.store.InputsByDigest(d)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	if !ok {
		p.writeError(w, r, errNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (p *Provider) handleInfo(w http.ResponseWriter, _ *http.Request) {
	info := InfoResponse{ModelID: p.cfg.ModelID, Provider: p.chain.Address, TraceSize: p.prog.TraceSize(), Runs: p.store.Len()}
	conv := func(vs []onnxint.ValueInfo) []ioInfo {
		out := make([]ioInfo, len(vs))
		for i, v := range vs {
			out[i] = ioInfo{Name: v.Name, DType: tensorio.DTypeName(v.Type), Shape: v.Dims}
		}
		return out
	}
	info.Inputs, info.Outputs = conv(p.prog.Inputs()), conv(p.prog.Outputs())
	if p.pub != nil {
		info.KeyID = receipt.KeyID(p.pub)
	}
	writeJSON(w, http.StatusOK, info)
}
