package cli

import (
	"context"
	"fmt"
	"time"

	gogogrpc "github.com/cosmos/gogoproto/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/x/receipts/types"
)

// WaitAnchored polls the chain until an anchored checkpoint of logID covers
// index, and returns its size.
func WaitAnchored(ctx context.Context, cc gogogrpc.ClientConn, logID string, index uint64, wait time.Duration) (uint64, error) {
	q := types.NewQueryClient(cc)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		res, err := q.LatestCheckpoint(ctx, &types.QueryLatestCheckpointRequest{LogId: logID})
		switch {
		case err == nil && res.Checkpoint.TreeSize > index:
			return res.Checkpoint.TreeSize, nil
		case err != nil && status.Code(err) != codes.NotFound && ctx.Err() == nil:
			return 0, fmt.Errorf("query the anchored checkpoint of %s: %w", logID, err)
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("no checkpoint of %s covering index %d was anchored within %s (is the log's operator key funded and [receipt-log] operator-key set?); rerun with a longer --wait", logID, index, wait)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
