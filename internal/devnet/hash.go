package devnet

import "crypto/sha256"

// sdkTxHash is the CometBFT transaction hash: SHA-256 of the tx bytes.
func sdkTxHash(bz []byte) []byte {
	h := sha256.Sum256(bz)
	return h[:]
}
