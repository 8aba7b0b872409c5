package types

import "fmt"

// DefaultGenesis returns an empty registry with default parameters.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks the genesis records one by one and that lineage only
// points at records that appear earlier (so the graph is a DAG).
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	seen := make(map[string]string, len(gs.Datasets)+len(gs.Models))
	for i, d := range gs.Datasets {
		if err := d.Info.Validate(gs.Params); err != nil {
			return fmt.Errorf("dataset %d: %w", i, err)
		}
		if err := validateAddress("owner", d.Owner); err != nil {
			return fmt.Errorf("dataset %s: %w", d.Info.Id, err)
		}
		if kind, dup := seen[d.Info.Id]; dup {
			return fmt.Errorf("dataset %s: %w as a %s", d.Info.Id, ErrAlreadyRegistered, kind)
		}
		seen[d.Info.Id] = "dataset"
	}
	for i, m := range gs.Models {
		if err := m.Info.Validate(gs.Params); err != nil {
			return fmt.Errorf("model %d: %w", i, err)
		}
		if err := validateAddress("owner", m.Owner); err != nil {
			return fmt.Errorf("model %s: %w", m.Info.Id, err)
		}
		if kind, dup := seen[m.Info.Id]; dup {
			return fmt.Errorf("model %s: %w as a %s", m.Info.Id, ErrAlreadyRegistered, kind)
		}
		for _, p := range m.Info.Parents {
			if seen[p.ModelId] != "model" {
				return fmt.Errorf("model %s: %w %s (parents must come first)", m.Info.Id, ErrUnknownParent, p.ModelId)
			}
		}
		for _, d := range m.Info.Datasets {
			if seen[d.DatasetId] != "dataset" {
				return fmt.Errorf("model %s: %w %s", m.Info.Id, ErrUnknownDataset, d.DatasetId)
			}
		}
		seen[m.Info.Id] = "model"
	}
	return nil
}
