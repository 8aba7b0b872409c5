package modelsign

import (
	"encoding/base64"
	"encoding/json"
)

// MarshalJSON writes the bundle as Sigstore bundle JSON that ParseBundle
// reads back to an equal Bundle. A single certificate of a v0.3 bundle is
// written as "certificate", other certificates as x509CertificateChain; an
// embedded public key is written as DER.
func (b *Bundle) MarshalJSON() ([]byte, error) {
	enc := base64.StdEncoding.EncodeToString
	j := bundleJSON{MediaType: b.MediaType, VerificationMaterial: &materialJSON{TlogEntries: []tlogEntryJSON{}}}
	env := &envelopeJSON{Payload: enc(b.Envelope.Payload), PayloadType: b.Envelope.PayloadType}
	env.Signatures = append(env.Signatures, signatureJSON{enc(b.Envelope.Signature), b.Envelope.KeyID})
	j.DSSEEnvelope = env
	m := j.VerificationMaterial
	switch {
	case len(b.Certificates) == 1 && b.MediaType == MediaTypeV03:
		m.Certificate = &certJSON{RawBytes: enc(b.Certificates[0].Raw)}
	case len(b.Certificates) > 0:
		m.X509CertificateChain = &certChainJSON{}
		for _, c := range b.Certificates {
			m.X509CertificateChain.Certificates = append(m.X509CertificateChain.Certificates, certJSON{RawBytes: enc(c.Raw)})
		}
	default:
		pk := &publicKeyJSON{Hint: b.PublicKeyHint, KeyDetails: b.KeyDetails}
		if b.PublicKey != nil {
			pk.RawBytes = enc(b.PublicKey)
		}
		m.PublicKey = pk
	}
	for _, e := range b.Tlog {
		m.TlogEntries = append(m.TlogEntries, e.toJSON())
	}
	if len(b.Timestamps) > 0 {
		m.TimestampVerificationData = &timestampsJSON{}
		for _, ts := range b.Timestamps {
			m.TimestampVerificationData.RFC3161Timestamps = append(m.TimestampVerificationData.RFC3161Timestamps, timestampJSON{enc(ts)})
		}
	}
	return json.Marshal(j)
}

func (e *TlogEntry) toJSON() tlogEntryJSON {
	enc := base64.StdEncoding.EncodeToString
	j := tlogEntryJSON{
		LogIndex:          jsonInt64(e.LogIndex),
		IntegratedTime:    jsonInt64(e.IntegratedTime),
		CanonicalizedBody: enc(e.Body),
	}
	j.LogID = &logIDJSON{enc(e.LogID)}
	j.KindVersion = &kindVersionJSON{e.Kind, e.Version}
	if e.SignedEntryTimestamp != nil {
		j.InclusionPromise = &promiseJSON{enc(e.SignedEntryTimestamp)}
	}
	if p := e.Proof; p != nil {
		pj := &inclusionProofJSON{LogIndex: jsonInt64(p.LogIndex), RootHash: enc(p.RootHash), TreeSize: jsonInt64(p.TreeSize), Hashes: []string{}}
		for _, h := range p.Hashes {
			pj.Hashes = append(pj.Hashes, enc(h))
		}
		if p.Checkpoint != "" {
			pj.Checkpoint = &checkpointJSON{p.Checkpoint}
		}
		j.InclusionProof = pj
	}
	return j
}
