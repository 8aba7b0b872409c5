// Package loadgen submits a fixed list of pre-built transactions to one
// CometBFT node over its RPC (broadcast_tx_sync) and measures when each is
// committed. It knows nothing about the application: the caller builds and
// signs the transactions before the timed phase, so only submission,
// consensus and execution are measured.
//
// Latency of a transaction is the time from just before its
// broadcast_tx_sync call until the loader observes the block holding it:
// the NewBlockHeader event (sent by the node after the block is executed
// and committed) for that height, or the first poll that sees the height if
// an event was missed.
package loadgen

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"
)

// Defaults for Config.
const (
	DefaultWorkers = 8
	DefaultTimeout = 5 * time.Minute
	// maxRejectSamples bounds the distinct rejection reasons kept in a Result.
	maxRejectSamples = 5
)

// Tx is one transaction to submit. Transactions with the same Lane (one
// sender account) are submitted by one worker, in slice order, each after
// the previous one's CheckTx answer, so account sequences arrive in order.
type Tx struct {
	Lane  int
	Bytes []byte
}

// Config says where and how fast to submit.
type Config struct {
	RPCURL  string
	Workers int
	// Rate caps submissions per second over all workers; 0 means no cap
	// (the workers' round trips are then the only bound).
	Rate float64
	// Timeout bounds the whole run: submission and waiting for commits.
	Timeout time.Duration
}

// Result is the outcome of one run. Durations are in seconds or
// milliseconds so the JSON reads without conversion.
type Result struct {
	Target        string   `json:"target"`
	Txs           int      `json:"txs"`
	MeanTxBytes   int      `json:"mean_tx_bytes"`
	Workers       int      `json:"workers"`
	RateCap       float64  `json:"rate_cap"`
	Submitted     int      `json:"submitted"`
	Rejected      int      `json:"rejected"`
	Committed     int      `json:"committed"`
	FailedInBlock int      `json:"failed_in_block"`
	Uncommitted   int      `json:"uncommitted"`
	TimedOut      bool     `json:"timed_out"`
	SubmitS       float64  `json:"submit_s"`
	DurationS     float64  `json:"duration_s"`
	TPS           float64  `json:"tps"`
	P50Ms         float64  `json:"p50_ms"`
	P99Ms         float64  `json:"p99_ms"`
	MaxMs         float64  `json:"max_ms"`
	Blocks        int      `json:"blocks"`
	MaxBlockTxs   int      `json:"max_block_txs"`
	RejectSamples []string `json:"reject_samples,omitempty"`
}

// String is the one-line human summary.
func (r Result) String() string {
	return fmt.Sprintf("%s: %d/%d committed in %.2f s = %.0f tx/s; latency p50 %.0f ms, p99 %.0f ms, max %.0f ms; rejected %d, failed in block %d, uncommitted %d; %d blocks (max %d txs)",
		r.Target, r.Committed, r.Txs, r.DurationS, r.TPS, r.P50Ms, r.P99Ms, r.MaxMs,
		r.Rejected, r.FailedInBlock, r.Uncommitted, r.Blocks, r.MaxBlockTxs)
}

// tx states, stored atomically per transaction.
const (
	statePending int32 = iota
	stateAccepted
	stateRejected
)

// run holds the shared state of one Run.
type run struct {
	cfg      Config
	client   *rpchttp.HTTP
	txs      []Tx
	index    map[[32]byte]int
	state    []atomic.Int32
	submitAt []atomic.Int64 // unix nanoseconds
	commitAt []int64        // unix nanoseconds; written by the watcher only
	heights  map[int64][]txPos

	mu      sync.Mutex
	rejects []string
}

// txPos is one of our transactions at a position in a block.
type txPos struct{ pos, idx int }

// Run submits txs to the node at cfg.RPCURL and waits until every accepted
// one is in a block or cfg.Timeout passes. target only labels the Result.
func Run(ctx context.Context, cfg Config, target string, txs []Tx) (Result, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: cfg.Workers + 2,
		DisableCompression:  true,
	}}
	c, err := rpchttp.NewWithClient(cfg.RPCURL, "/websocket", hc)
	if err != nil {
		return Result{}, err
	}
	if err := c.Start(); err != nil {
		return Result{}, fmt.Errorf("connect websocket: %w", err)
	}
	defer func() { _ = c.Stop() }()

	r := &run{
		cfg: cfg, client: c, txs: txs,
		index:    make(map[[32]byte]int, len(txs)),
		state:    make([]atomic.Int32, len(txs)),
		submitAt: make([]atomic.Int64, len(txs)),
		commitAt: make([]int64, len(txs)),
		heights:  make(map[int64][]txPos),
	}
	for i, tx := range txs {
		r.index[sha256.Sum256(tx.Bytes)] = i
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("node status: %w", err)
	}
	events, err := c.Subscribe(ctx, "loadgen", cmttypes.EventQueryNewBlockHeader.String(), 1000)
	if err != nil {
		return Result{}, fmt.Errorf("subscribe to new blocks: %w", err)
	}

	submitted := make(chan struct{})
	go func() {
		r.submit(ctx)
		close(submitted)
	}()
	watchErr := r.watch(ctx, st.SyncInfo.LatestBlockHeight, events, submitted)
	<-submitted // the workers stop on ctx as well
	timedOut := errors.Is(watchErr, context.DeadlineExceeded)
	if watchErr != nil && !timedOut {
		return Result{}, watchErr
	}

	// Execution results are read after the timed phase so that parsing
	// them does not compete with the node for CPU during the run.
	failed, err := r.failedInBlock(context.Background())
	if err != nil {
		return Result{}, err
	}
	res := r.result(target, failed)
	res.TimedOut = timedOut
	return res, nil
}

// submit runs the workers until every transaction has been submitted.
func (r *run) submit(ctx context.Context) {
	// lanes in order of first appearance; each lane keeps slice order.
	var order []int
	lanes := map[int][]int{}
	for i, tx := range r.txs {
		if _, ok := lanes[tx.Lane]; !ok {
			order = append(order, tx.Lane)
		}
		lanes[tx.Lane] = append(lanes[tx.Lane], i)
	}
	var interval time.Duration
	if r.cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / r.cfg.Rate)
	}
	start := time.Now()
	var ticket atomic.Int64
	var wg sync.WaitGroup
	for w := range r.cfg.Workers {
		var mine [][]int
		for j, lane := range order {
			if j%r.cfg.Workers == w {
				mine = append(mine, lanes[lane])
			}
		}
		wg.Go(func() {
			// Round-robin over this worker's lanes: one tx of each per round.
			for round := 0; ; round++ {
				more := false
				for _, lane := range mine {
					if round >= len(lane) {
						continue
					}
					more = true
					if interval > 0 {
						due := start.Add(time.Duration(ticket.Add(1)-1) * interval)
						if d := time.Until(due); d > 0 {
							select {
							case <-ctx.Done():
								return
							case <-time.After(d):
							}
						}
					}
					if ctx.Err() != nil {
						return
					}
					r.send(ctx, lane[round])
				}
				if !more {
					return
				}
			}
		})
	}
	wg.Wait()
}

// send submits one transaction and records whether CheckTx accepted it.
func (r *run) send(ctx context.Context, i int) {
	r.submitAt[i].Store(time.Now().UnixNano())
	res, err := r.client.BroadcastTxSync(ctx, r.txs[i].Bytes)
	switch {
	case err != nil:
		r.state[i].Store(stateRejected)
		r.reject(err.Error())
	case res.Code != 0:
		r.state[i].Store(stateRejected)
		r.reject(fmt.Sprintf("code %d (%s): %s", res.Code, res.Codespace, res.Log))
	default:
		r.state[i].Store(stateAccepted)
	}
}

func (r *run) reject(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.rejects) < maxRejectSamples {
		r.rejects = append(r.rejects, reason)
	}
}
