package types

// Event types emitted by x/registry. Clients and indexers match on them, so
// they are part of the module's interface: change one only with a release
// note.
const (
	EventTypeDatasetRegistered = "prova.registry.dataset_registered"
	EventTypeModelRegistered   = "prova.registry.model_registered"
	EventTypeMetadataUpdated   = "prova.registry.metadata_updated"
	EventTypeOwnerChanged      = "prova.registry.ownership_transferred"
	EventTypeParamsUpdated     = "prova.registry.params_updated"
	EventTypeStatusChanged     = "prova.registry.model_status_changed"
)

// Attribute keys. Keys for one concept are spelled the same in every Prova
// module.
const (
	// AttributeKeyID is the digest ID of the event's own record (model or
	// dataset); other modules name a model they refer to with "model_id".
	AttributeKeyID       = "id"
	AttributeKeyOwner    = "owner"
	AttributeKeyNewOwner = "new_owner"
	AttributeKeyParent   = "parent"
	AttributeKeyDataset  = "dataset"
	AttributeKeyStatus   = "status"
	AttributeKeyReason   = "reason"

	AttributeKeyMaxParents = "max_parents"
)
