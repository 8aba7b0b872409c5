package types

// Event types emitted by x/content. Clients and indexers match on them, so
// they are part of the module's interface.
const (
	EventTypeContentRegistered = "prova.content.content_registered"
	EventTypeParamsUpdated     = "prova.content.params_updated"
)

// Attribute keys. Keys for one concept are spelled the same in every Prova
// module: a model is always AttributeKeyModelID.
const (
	AttributeKeyID                = "id"
	AttributeKeyBlake3            = "blake3"
	AttributeKeyCreator           = "creator"
	AttributeKeyDigitalSourceType = "digital_source_type"
	AttributeKeyModelID           = "model_id"
	AttributeKeySeq               = "seq"
	AttributeKeyPerceptualHash    = "phash"

	AttributeKeyMaxSoftBindings   = "max_soft_bindings"
	AttributeKeyMaxMediaTypeLen   = "max_media_type_len"
	AttributeKeyMaxAttestationLen = "max_attestation_len"
)
