package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prova-network/prova/internal/modelsign"
)

// Flags of the model signature check, shared by register-model and
// provad verify.
const (
	FlagSignature   = "signature"
	flagSigKey      = "key"
	flagCertChain   = "cert-chain"
	flagTrustedRoot = "trusted-root"
	flagIdentity    = "identity"
	flagIssuer      = "issuer"
)

// AddSignatureFlags adds --signature, whose help is usage, and the flags
// that say whom to trust.
func AddSignatureFlags(cmd *cobra.Command, usage string) {
	cmd.Flags().String(FlagSignature, "", usage)
	cmd.Flags().String(flagSigKey, "", "with --signature: PEM public key of the signer")
	cmd.Flags().StringArray(flagCertChain, nil, "with --signature: PEM file of CA certificates to trust (repeatable)")
	cmd.Flags().String(flagTrustedRoot, "", "with --signature: Sigstore trusted_root.json")
	cmd.Flags().String(flagIdentity, "", "with --trusted-root: the signer's identity (certificate email or URI)")
	cmd.Flags().String(flagIssuer, "", "with --trusted-root: the OIDC issuer of the identity")
}

// SignatureTrust returns the trust flags' values.
func SignatureTrust(cmd *cobra.Command) modelsign.TrustFiles {
	var tf modelsign.TrustFiles
	tf.Key, _ = cmd.Flags().GetString(flagSigKey)
	tf.CertChain, _ = cmd.Flags().GetStringArray(flagCertChain)
	tf.TrustedRoot, _ = cmd.Flags().GetString(flagTrustedRoot)
	tf.Identity, _ = cmd.Flags().GetString(flagIdentity)
	tf.Issuer, _ = cmd.Flags().GetString(flagIssuer)
	return tf
}

// WithSignatureHint adds which trust flags to pass to an error that says the
// bundle's kind of signer was given no trust.
func WithSignatureHint(err error) error {
	if !errors.Is(err, modelsign.ErrNoTrust) {
		return err
	}
	return fmt.Errorf("%w\nHint: pass --%s signer.pub for a key bundle, --%s ca.pem for a certificate bundle, or --%s trusted_root.json --%s ID --%s URL for a Sigstore bundle",
		err, flagSigKey, flagCertChain, flagTrustedRoot, flagIdentity, flagIssuer)
}
