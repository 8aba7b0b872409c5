package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prova-network/prova/bench/loadgen"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
)

// result is one run's figures.
type result struct {
	Mode           string  `json:"mode"`
	Kind           string  `json:"kind"` // "batch" or "envelopes"
	Receipts       int     `json:"receipts"`
	Requests       int     `json:"requests"`
	PerRequest     int     `json:"per_request"`
	Conns          int     `json:"conns"`
	Seconds        float64 `json:"seconds"`
	ReceiptsPerSec float64 `json:"receipts_per_sec"`
	P50Ms          float64 `json:"p50_ms"`
	P99Ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	Proofs         int     `json:"proofs,omitempty"`
	ProofSeconds   float64 `json:"proof_seconds,omitempty"`
	ProofsPerSec   float64 `json:"proofs_per_sec,omitempty"`
	ProofsChecked  bool    `json:"proofs_checked,omitempty"`
	LogSize        uint64  `json:"log_size"`
	// Chain is loadgen's full result for chain-tx.
	Chain *loadgen.Result `json:"chain,omitempty"`
	// LoadBefore and LoadAfter are the 1, 5 and 15 minute load averages
	// around the run.
	LoadBefore string `json:"loadavg_before,omitempty"`
	LoadAfter  string `json:"loadavg_after,omitempty"`
	// IOPressure is /proc/pressure/io's "some" line after the run: other
	// programs' disk use shows here.
	IOPressure string `json:"io_pressure_after,omitempty"`
}

func (o options) kind() string {
	if o.envelopes {
		return "envelopes"
	}
	return "batch"
}

// work is the signed load: request bodies and, for the raw baseline, the
// stored entry bytes of each request.
type work struct {
	bodies  [][]byte
	entries [][][]byte
	count   []int
}

const benchModel = "blake3:00000000000000000000000000000000000000000000000000000000000000b1"

func statement(pub ed25519.PublicKey, run string, n int) *receipt.Statement {
	d := func(alg, s string) string { h := sha256.Sum256([]byte(s)); return alg + ":" + hex.EncodeToString(h[:]) }
	return receipt.NewStatement(receipt.Predicate{
		Model:        benchModel,
		Provider:     receipt.Provider{ID: "bench-provider", KeyID: receipt.KeyID(pub)},
		InputDigest:  d("sha256", run+"in"+strconv.Itoa(n)),
		OutputDigest: d("blake3", run+"out"+strconv.Itoa(n)),
		Parameters:   map[string]string{"temperature": "0", "max_tokens": "256"},
		Tokens:       receipt.Tokens{Input: 120, Output: 256},
		RequestID:    run + "-" + strconv.Itoa(n),
		Time:         receipt.FormatTime(time.Date(2026, 11, 21, 0, 0, 0, n%1000*1000000, time.UTC)),
	})
}

// benchKey is the provider key every mode signs with.
func benchKey() (ed25519.PrivateKey, ed25519.PublicKey) {
	seed := sha256.Sum256([]byte("receiptbench provider"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return priv, priv.Public().(ed25519.PublicKey)
}

// sign builds every request before the clock starts: request bodies for
// the service, or, with raw, the stored entry bytes for the Tessera
// baseline (only what the run needs, so that the other's memory does not
// burden the garbage collector during the run). Each run gets fresh
// request IDs so that a reused log sees no duplicates.
func sign(o options, raw bool) (*work, error) {
	priv, pub := benchKey()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	keys := []string{base64.StdEncoding.EncodeToString(pub)}
	w := &work{}
	for from := 0; from < o.n; from += o.batch {
		n := min(o.batch, o.n-from)
		sts := make([]*receipt.Statement, n)
		for i := range sts {
			sts[i] = statement(pub, run, from+i)
		}
		req := receiptlog.SubmitRequest{PublicKeys: keys}
		var entries [][]byte
		if o.envelopes {
			for _, st := range sts {
				env, err := receipt.Sign(st, priv)
				if err != nil {
					return nil, err
				}
				if raw {
					entries = append(entries, env.Canonical())
				} else {
					req.Envelopes = append(req.Envelopes, env.Canonical())
				}
			}
		} else {
			b, err := receipt.SignBatch(sts, priv)
			if err != nil {
				return nil, err
			}
			if !raw {
				req.Batch = b.Canonical()
			} else {
				ms, err := b.Members()
				if err != nil {
					return nil, err
				}
				for _, m := range ms {
					entries = append(entries, m.Canonical())
				}
			}
		}
		if raw {
			w.entries = append(w.entries, entries)
		} else {
			body, err := json.Marshal(req)
			if err != nil {
				return nil, err
			}
			w.bodies = append(w.bodies, body)
		}
		w.count = append(w.count, n)
	}
	return w, nil
}

func httpClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns * 2
	tr.MaxIdleConnsPerHost = conns * 2
	tr.MaxConnsPerHost = conns
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

func runService(ctx context.Context, o options, url string) (*result, error) {
	w, err := sign(o, false)
	if err != nil {
		return nil, err
	}
	hc := httpClient(o.conns)
	cl := receiptlog.NewClient(url, hc)
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()

	var next atomic.Int64
	lat := make([]time.Duration, len(w.bodies))
	errs := make(chan error, o.conns)
	var wg sync.WaitGroup
	var done atomic.Int64
	start := time.Now()
	for range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(w.bodies) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				res, err := cl.SubmitRaw(ctx, w.bodies[i])
				if err != nil {
					errs <- fmt.Errorf("request %d: %w", i, err)
					cancel()
					return
				}
				lat[i] = time.Since(t0)
				if len(res.Entries) != w.count[i] {
					errs <- fmt.Errorf("request %d: %d results for %d receipts", i, len(res.Entries), w.count[i])
					cancel()
					return
				}
				done.Add(int64(w.count[i]))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	r := &result{Mode: o.mode, Kind: o.kind(), Receipts: int(done.Load()), Requests: len(w.bodies), PerRequest: o.batch,
		Conns: o.conns, Seconds: elapsed.Seconds()}
	r.ReceiptsPerSec = float64(r.Receipts) / elapsed.Seconds()
	r.P50Ms = loadgen.Millis(loadgen.Percentile(lat, 50))
	r.P99Ms = loadgen.Millis(loadgen.Percentile(lat, 99))
	r.MaxMs = loadgen.Millis(slices.Max(lat))

	raw, err := cl.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	body, _, _ := bytes.Cut(raw, []byte("\n\n"))
	cp, err := tlog.ParseCheckpoint(append(body, '\n'))
	if err != nil {
		return nil, err
	}
	r.LogSize = cp.Size
	if o.proofDuration > 0 {
		if err := proofs(context.Background(), o, url, hc, cl, cp, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// proofs asks for inclusion proofs of random entries for o.proofDuration
// after checking a sample of them.
func proofs(ctx context.Context, o options, url string, hc *http.Client, cl *receiptlog.Client, cp tlog.Checkpoint, r *result) error {
	lo := uint64(0)
	if o.proofSpan > 0 && o.proofSpan < cp.Size {
		lo = cp.Size - o.proofSpan
	}
	// Check a sample first: inclusion under the checkpoint's root, and
	// the stored receipt's signature by the benchmark key. (The
	// checkpoint's own signature is not checked: the log's key is not
	// known here.)
	_, pub := benchKey()
	for i := range 50 {
		idx := lo + uint64(i)*(cp.Size-lo)/50
		b, err := cl.Proof(ctx, idx, 0)
		if err != nil {
			return fmt.Errorf("proof %d: %w", idx, err)
		}
		c, err := tlog.ParseCheckpoint([]byte(b.Checkpoint[:bytes.Index([]byte(b.Checkpoint), []byte("\n\n"))+1]))
		if err != nil {
			return err
		}
		if err := tlog.VerifyInclusion(tlog.LeafHash(b.Entry), b.Index, c.Size, b.InclusionProof, c.Hash); err != nil {
			return fmt.Errorf("proof %d: %w", idx, err)
		}
		if err := verifyEntry(b.Entry, b.ProviderKey, pub); err != nil {
			return fmt.Errorf("proof %d: %w", idx, err)
		}
	}
	r.ProofsChecked = true
	ctx, cancel := context.WithTimeout(ctx, o.proofDuration)
	defer cancel()
	var count atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for c := range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			buf := make([]byte, 16<<10)
			for ctx.Err() == nil {
				idx := lo + rng.Uint64N(cp.Size-lo)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+receiptlog.PathProof+"?index="+strconv.FormatUint(idx, 10), nil)
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						failed.Store(err)
					}
					return
				}
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Store(fmt.Errorf("proof %d: HTTP %d", idx, resp.StatusCode))
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return err
	}
	el := time.Since(start)
	r.Proofs = int(count.Load())
	r.ProofSeconds = el.Seconds()
	r.ProofsPerSec = float64(r.Proofs) / el.Seconds()
	return nil
}

// verifyEntry checks that a stored entry is a receipt (a single envelope or
// a batch member) signed by want, the key the bundle names.
func verifyEntry(entry, key []byte, want ed25519.PublicKey) error {
	if !bytes.Equal(key, want) {
		return fmt.Errorf("bundle names provider key %x", key)
	}
	if env, err := receipt.DecodeEnvelope(entry); err == nil {
		_, err = receipt.Verify(env, want)
		return err
	}
	m, err := receipt.DecodeMember(entry)
	if err != nil {
		return err
	}
	_, err = m.Verify(want)
	return err
}
