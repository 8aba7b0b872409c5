package types

// Event types emitted by x/eval. Clients and indexers match on them, so
// they are part of the module's interface.
const (
	EventTypeTaskCreated     = "prova.eval.task_created"
	EventTypeEvaluatorResult = "prova.eval.evaluator_result"
	EventTypeTaskFinished    = "prova.eval.task_finished"
	// EventTypeTallyFailed reports a task whose tally returned an error: its
	// state changes were discarded, the pool went back to the creator and
	// the task is closed as failed. The chain goes on.
	EventTypeTallyFailed   = "prova.eval.tally_failed"
	EventTypeParamsUpdated = "prova.eval.params_updated"
)

// Attribute keys. Keys for one concept are spelled the same in every Prova
// module.
const (
	AttributeKeyTaskID    = "task_id"
	AttributeKeyTarget    = "target"
	AttributeKeyCommitEnd = "commit_end"
	AttributeKeyRevealEnd = "reveal_end"
	AttributeKeyEvaluator = "evaluator"
	AttributeKeyOutcome   = "outcome"
	AttributeKeyReward    = "reward"
	AttributeKeyStatus    = "status"
	AttributeKeyResult    = "result"
	AttributeKeyRefund    = "refund"
	AttributeKeyError     = "error"

	AttributeKeySlashFractionDeviation = "slash_fraction_deviation"
	AttributeKeySlashFractionNoReveal  = "slash_fraction_no_reveal"
)
