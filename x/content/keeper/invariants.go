package keeper

import (
	"context"
	"fmt"

	"github.com/prova-network/prova/x/content/types"
)

// CheckInvariants verifies x/content's structure: every record validates
// and is stored under its own ID; the BLAKE3 and sequence indexes hold
// exactly one entry per record, each pointing at an existing record with
// that digest or seq; and every seq is below the next one. Module tests run
// it after every block.
func (k Keeper) CheckInvariants(ctx context.Context) error {
	next, err := k.NextSeq.Peek(ctx)
	if err != nil {
		return err
	}
	records := 0
	err = k.Contents.Walk(ctx, nil, func(id string, c types.Content) (bool, error) {
		records++
		if id != c.Id {
			return true, fmt.Errorf("content stored under %s has id %s", id, c.Id)
		}
		if err := c.Validate(); err != nil {
			return true, fmt.Errorf("content %s: %w", id, err)
		}
		if c.Seq == 0 || c.Seq >= next {
			return true, fmt.Errorf("content %s: seq %d outside 1..%d", id, c.Seq, next-1)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	n := 0
	err = k.ByBlake3.Walk(ctx, nil, func(b3, id string) (bool, error) {
		n++
		c, err := k.Contents.Get(ctx, id)
		if err != nil {
			return true, fmt.Errorf("blake3 index %s points at %s, which is not registered", b3, id)
		}
		if c.Info.Blake3 != b3 {
			return true, fmt.Errorf("blake3 index %s points at %s, whose blake3 is %s", b3, id, c.Info.Blake3)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if n != records {
		return fmt.Errorf("blake3 index has %d entries for %d records", n, records)
	}
	n = 0
	err = k.BySeq.Walk(ctx, nil, func(seq uint64, id string) (bool, error) {
		n++
		c, err := k.Contents.Get(ctx, id)
		if err != nil {
			return true, fmt.Errorf("seq %d points at %s, which is not registered", seq, id)
		}
		if c.Seq != seq {
			return true, fmt.Errorf("seq %d points at %s, whose seq is %d", seq, id, c.Seq)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if n != records {
		return fmt.Errorf("seq index has %d entries for %d records", n, records)
	}
	return nil
}
