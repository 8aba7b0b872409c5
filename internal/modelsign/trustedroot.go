package modelsign

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// MaxTrustedRootSize bounds a trusted_root.json; Sigstore's public-good
// root is about 10 KB.
const MaxTrustedRootSize = 4 << 20

// TrustedRoot is a Sigstore trusted root (trusted_root.json): the Fulcio
// CAs, the Rekor logs and the timestamp authorities a verifier trusts, each
// with the period it was valid for.
type TrustedRoot struct {
	CertificateAuthorities []CertificateAuthority
	Logs                   []TransparencyLog
	TimestampAuthorities   []CertificateAuthority
}

// CertificateAuthority is a CA chain, the issuing certificate first and the
// root last, valid for [Start, End) (End zero: still valid).
type CertificateAuthority struct {
	URI        string
	Chain      []*x509.Certificate
	Start, End time.Time
}

// TransparencyLog is a log's public key and ID (the SHA-256 of the key's
// DER), valid for [Start, End).
type TransparencyLog struct {
	BaseURL    string
	ID         []byte
	Key        *PublicKey
	KeyDetails string
	Start, End time.Time
}

// validAt reports whether t is inside [start, end), an open end meaning no
// end.
func validAt(t, start, end time.Time) bool {
	return !t.Before(start) && (end.IsZero() || t.Before(end))
}

// ReadTrustedRoot reads a trusted root file; see ParseTrustedRoot.
func ReadTrustedRoot(path string) (*TrustedRoot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxTrustedRootSize+1))
	if err != nil {
		return nil, err
	}
	return ParseTrustedRoot(data)
}

// ParseTrustedRoot decodes a Sigstore trusted root
// (application/vnd.dev.sigstore.trustedroot…), or a client trust config
// that holds one in "trustedRoot", as model_signing's --trust_config takes.
func ParseTrustedRoot(data []byte) (*TrustedRoot, error) {
	if len(data) > MaxTrustedRootSize {
		return nil, fmt.Errorf("%w: trusted root over %d bytes", ErrNoTrust, MaxTrustedRootSize)
	}
	var j trustedRootJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: trusted root: %w", ErrNoTrust, err)
	}
	if j.TrustedRoot != nil {
		j = *j.TrustedRoot
	}
	if !strings.HasPrefix(j.MediaType, "application/vnd.dev.sigstore.trustedroot") {
		return nil, fmt.Errorf("%w: trusted root media type %q, want application/vnd.dev.sigstore.trustedroot…", ErrNoTrust, j.MediaType)
	}
	r := &TrustedRoot{}
	for i, ca := range j.CertificateAuthorities {
		c, err := decodeCA(fmt.Sprintf("certificateAuthorities[%d]", i), ca)
		if err != nil {
			return nil, err
		}
		r.CertificateAuthorities = append(r.CertificateAuthorities, c)
	}
	for i, ca := range j.TimestampAuthorities {
		c, err := decodeCA(fmt.Sprintf("timestampAuthorities[%d]", i), ca)
		if err != nil {
			return nil, err
		}
		r.TimestampAuthorities = append(r.TimestampAuthorities, c)
	}
	for i, l := range j.Tlogs {
		name := fmt.Sprintf("tlogs[%d]", i)
		der, err := decodeBase64(name+".publicKey.rawBytes", l.PublicKey.RawBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: trusted root: %w", ErrNoTrust, err)
		}
		k, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("%w: trusted root %s public key: %w", ErrNoTrust, name, err)
		}
		id, err := decodeBase64(name+".logId.keyId", l.LogID.KeyID)
		if err != nil {
			return nil, fmt.Errorf("%w: trusted root: %w", ErrNoTrust, err)
		}
		r.Logs = append(r.Logs, TransparencyLog{
			BaseURL: l.BaseURL, ID: id, Key: &PublicKey{Key: k, DER: der}, KeyDetails: l.PublicKey.KeyDetails,
			Start: l.PublicKey.ValidFor.Start, End: l.PublicKey.ValidFor.End,
		})
	}
	if len(r.CertificateAuthorities) == 0 || len(r.Logs) == 0 {
		return nil, fmt.Errorf("%w: trusted root needs certificateAuthorities and tlogs", ErrNoTrust)
	}
	return r, nil
}

func decodeCA(name string, j caJSON) (CertificateAuthority, error) {
	ca := CertificateAuthority{URI: j.URI, Start: j.ValidFor.Start, End: j.ValidFor.End}
	if len(j.CertChain.Certificates) == 0 {
		return ca, fmt.Errorf("%w: trusted root %s has no certificates", ErrNoTrust, name)
	}
	for k, c := range j.CertChain.Certificates {
		der, err := decodeBase64(fmt.Sprintf("%s certificate %d", name, k), c.RawBytes)
		if err != nil {
			return ca, fmt.Errorf("%w: trusted root: %w", ErrNoTrust, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return ca, fmt.Errorf("%w: trusted root %s certificate %d: %w", ErrNoTrust, name, k, err)
		}
		ca.Chain = append(ca.Chain, cert)
	}
	return ca, nil
}

// log returns the log with the given ID.
func (r *TrustedRoot) log(id []byte) *TransparencyLog {
	for i := range r.Logs {
		if bytes.Equal(r.Logs[i].ID, id) {
			return &r.Logs[i]
		}
	}
	return nil
}

// The JSON layout (protobuf JSON of dev.sigstore.trustroot.v1).
type trustedRootJSON struct {
	MediaType              string           `json:"mediaType"`
	TrustedRoot            *trustedRootJSON `json:"trustedRoot,omitempty"`
	Tlogs                  []tlogJSON       `json:"tlogs"`
	CertificateAuthorities []caJSON         `json:"certificateAuthorities"`
	Ctlogs                 []tlogJSON       `json:"ctlogs,omitempty"`
	TimestampAuthorities   []caJSON         `json:"timestampAuthorities,omitempty"`
}

type validForJSON struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
}

type tlogJSON struct {
	BaseURL       string `json:"baseUrl"`
	HashAlgorithm string `json:"hashAlgorithm"`
	PublicKey     struct {
		RawBytes   string       `json:"rawBytes"`
		KeyDetails string       `json:"keyDetails"`
		ValidFor   validForJSON `json:"validFor"`
	} `json:"publicKey"`
	LogID struct {
		KeyID string `json:"keyId"`
	} `json:"logId"`
}

type caJSON struct {
	Subject struct {
		Organization string `json:"organization,omitempty"`
		CommonName   string `json:"commonName,omitempty"`
	} `json:"subject"`
	URI       string `json:"uri,omitempty"`
	CertChain struct {
		Certificates []certJSON `json:"certificates"`
	} `json:"certChain"`
	ValidFor validForJSON `json:"validFor"`
}
