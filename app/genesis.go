package app

import "encoding/json"

// GenesisState is the app_state of a genesis file: one raw JSON message per
// module, keyed by module name.
type GenesisState map[string]json.RawMessage
