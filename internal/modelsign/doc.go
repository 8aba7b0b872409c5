// Package modelsign reads and verifies OpenSSF model signatures: the
// Sigstore bundles (model.sig) that sigstore/model-transparency's
// model_signing writes over a model directory.
//
// A bundle holds a DSSE envelope whose payload is an in-toto statement with
// the model_signing v1.0 predicate (the digest of every file), and the
// material to check the envelope's signature with. Three kinds of trust are
// supported, as model_signing's verifiers do:
//
//   - a public key the verifier already holds (model_signing "key");
//   - a certificate chain ending in a CA the verifier trusts
//     (model_signing "certificate");
//   - Sigstore: a short-lived Fulcio certificate bound to an OIDC identity,
//     with a Rekor transparency-log entry proving when it was used, checked
//     against a Sigstore trusted root (trusted_root.json) and the identity
//     and issuer the verifier expects.
//
// Verification is offline: nothing is fetched. Verify checks the bundle and
// returns the signed statement; VerifyModel also hashes the model with the
// statement's serialization options (internal/fingerprint) and compares
// every file.
package modelsign
