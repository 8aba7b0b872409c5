package loadgen

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	cmttypes "github.com/cometbft/cometbft/types"
)

// pollInterval is how often the watcher asks for the latest height in case
// a NewBlockHeader event was dropped.
const pollInterval = 500 * time.Millisecond

// watch records the commit observation time of our transactions, height
// by height, until submission is over and every accepted tx is in a block.
// It returns ctx's error if the run times out first.
func (r *run) watch(ctx context.Context, last int64, events <-chan ctypes.ResultEvent, submitted <-chan struct{}) error {
	poll := time.NewTicker(pollInterval)
	defer poll.Stop()
	done := false
	for {
		var latest int64
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-events:
			h, ok := ev.Data.(cmttypes.EventDataNewBlockHeader)
			if !ok {
				continue
			}
			latest = h.Header.Height
		case <-poll.C:
			st, err := r.client.Status(ctx)
			if err != nil {
				continue // the node may be busy; try again
			}
			latest = st.SyncInfo.LatestBlockHeight
		case <-submitted:
			submitted = nil // closed: stop selecting on it
			done = true
		}
		// Everything up to latest was committed by now; heights we had not
		// seen yet get this observation time too.
		observed := time.Now().UnixNano()
		for ; last < latest; last++ {
			if err := r.readBlock(ctx, last+1, observed); err != nil {
				return err
			}
		}
		if done && r.pending() == 0 {
			return nil
		}
	}
}

// readBlock matches the transactions of block h with ours.
func (r *run) readBlock(ctx context.Context, h int64, observed int64) error {
	b, err := r.client.Block(ctx, &h)
	if err != nil {
		return fmt.Errorf("read block %d: %w", h, err)
	}
	for pos, tx := range b.Block.Txs {
		i, ok := r.index[sha256.Sum256(tx)]
		if !ok || r.commitAt[i] != 0 {
			continue
		}
		r.commitAt[i] = observed
		r.heights[h] = append(r.heights[h], txPos{pos: pos, idx: i})
	}
	return nil
}

// pending counts accepted transactions not seen in a block yet.
func (r *run) pending() int {
	n := 0
	for i := range r.txs {
		if r.state[i].Load() == stateAccepted && r.commitAt[i] == 0 {
			n++
		}
	}
	return n
}

// failedInBlock returns the transactions that are in a block but whose
// execution failed (non-zero code in /block_results).
func (r *run) failedInBlock(ctx context.Context) (map[int]bool, error) {
	failed := map[int]bool{}
	for h, ours := range r.heights {
		res, err := r.client.BlockResults(ctx, &h)
		if err != nil {
			return nil, fmt.Errorf("read results of block %d: %w", h, err)
		}
		for _, p := range ours {
			if p.pos < len(res.TxsResults) && res.TxsResults[p.pos].Code != 0 {
				failed[p.idx] = true
				r.reject(fmt.Sprintf("failed in block %d: code %d: %s", h, res.TxsResults[p.pos].Code, res.TxsResults[p.pos].Log))
			}
		}
	}
	return failed, nil
}

// result turns the recorded times into a Result.
func (r *run) result(target string, failed map[int]bool) Result {
	res := Result{Target: target, Txs: len(r.txs), Workers: r.cfg.Workers, RateCap: r.cfg.Rate}
	var bytes int
	var first, lastSubmit, lastCommit int64
	var lat []time.Duration
	for i, tx := range r.txs {
		bytes += len(tx.Bytes)
		s := r.submitAt[i].Load()
		if s == 0 {
			continue
		}
		res.Submitted++
		if first == 0 || s < first {
			first = s
		}
		lastSubmit = max(lastSubmit, s)
		switch {
		case r.state[i].Load() == stateRejected && r.commitAt[i] == 0:
			res.Rejected++
		case r.commitAt[i] == 0:
			res.Uncommitted++
		case failed[i]:
			res.FailedInBlock++
		default:
			res.Committed++
			lastCommit = max(lastCommit, r.commitAt[i])
			lat = append(lat, time.Duration(r.commitAt[i]-s))
		}
	}
	if len(r.txs) > 0 {
		res.MeanTxBytes = bytes / len(r.txs)
	}
	for _, ours := range r.heights {
		res.Blocks++
		res.MaxBlockTxs = max(res.MaxBlockTxs, len(ours))
	}
	if first > 0 {
		res.SubmitS = time.Duration(lastSubmit - first).Seconds()
	}
	if lastCommit > first {
		res.DurationS = time.Duration(lastCommit - first).Seconds()
		res.TPS = float64(res.Committed) / res.DurationS
	}
	res.P50Ms = Millis(Percentile(lat, 50))
	res.P99Ms = Millis(Percentile(lat, 99))
	res.MaxMs = Millis(Percentile(lat, 100))
	r.mu.Lock()
	res.RejectSamples = r.rejects
	r.mu.Unlock()
	return res
}
