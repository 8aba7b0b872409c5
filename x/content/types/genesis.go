package types

import "fmt"

// DefaultGenesis returns no content, default parameters, and seq 1 next.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextSeq: 1}
}

// Validate checks every record, that IDs, BLAKE3 digests and sequence
// numbers are unique, and that every seq is below next_seq.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextSeq == 0 {
		return fmt.Errorf("next_seq must be positive")
	}
	ids := make(map[string]bool, len(gs.Contents))
	blake := make(map[string]bool, len(gs.Contents))
	seqs := make(map[uint64]bool, len(gs.Contents))
	for i, c := range gs.Contents {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("content %d: %w", i, err)
		}
		switch {
		case ids[c.Id]:
			return fmt.Errorf("content %s: %w twice", c.Id, ErrAlreadyRegistered)
		case blake[c.Info.Blake3]:
			return fmt.Errorf("content %s: %w: blake3 %s twice", c.Id, ErrAlreadyRegistered, c.Info.Blake3)
		case seqs[c.Seq]:
			return fmt.Errorf("content %s: seq %d used twice", c.Id, c.Seq)
		case c.Seq == 0 || c.Seq >= gs.NextSeq:
			return fmt.Errorf("content %s: seq %d must be in 1..next_seq-1 (%d)", c.Id, c.Seq, gs.NextSeq-1)
		}
		ids[c.Id], blake[c.Info.Blake3], seqs[c.Seq] = true, true, true
	}
	return nil
}

// Validate checks a stored record: its info (against the caps, not the
// current parameters, which may have been lowered since it was registered),
// that its ID is derived from its SHA-256 digest, and its creator address.
func (c Content) Validate() error {
	if err := c.Info.Validate(capParams()); err != nil {
		return err
	}
	if c.Id != IDFromSHA256(c.Info.Sha256) {
		return fmt.Errorf("%w: id %s does not match sha256 %s", ErrInvalidDigest, c.Id, c.Info.Sha256)
	}
	return validAddr("creator", c.Creator)
}
