package types

// Event types emitted by x/receipts. Clients and indexers match on them, so
// they are part of the module's interface.
const (
	EventTypeLogRegistered      = "prova.receipts.log_registered"
	EventTypeCheckpointAnchored = "prova.receipts.checkpoint_anchored"
	EventTypeEquivocation       = "prova.receipts.equivocation"
	EventTypeInferenceRecorded  = "prova.receipts.inference_recorded"
	EventTypeParamsUpdated      = "prova.receipts.params_updated"
)

// Attribute keys. Keys for one concept are spelled the same in every Prova
// module: a model is always AttributeKeyModelID.
const (
	AttributeKeyLog       = "log"
	AttributeKeyOperator  = "operator"
	AttributeKeyBond      = "bond"
	AttributeKeyTreeSize  = "tree_size"
	AttributeKeyRoot      = "root"
	AttributeKeyReporter  = "reporter"
	AttributeKeySlashed   = "slashed"
	AttributeKeyReward    = "reward"
	AttributeKeyBurned    = "burned"
	AttributeKeyReceiptID = "receipt_id"
	// AttributeKeyModelID was "model" before; it is "model_id" as in
	// x/content and x/registry.
	AttributeKeyModelID = "model_id"

	AttributeKeyMinBond                   = "min_bond"
	AttributeKeyEquivocationSlashFraction = "equivocation_slash_fraction"
	AttributeKeyReporterRewardFraction    = "reporter_reward_fraction"
)
