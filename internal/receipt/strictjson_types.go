package receipt

// The shapes of the types decodeStrict reads: which members each object
// has, which are required, and how each member's value is read.

import (
	"encoding/base64"
	"fmt"
)

var (
	statementNames = []string{"_type", "subject", "predicateType", "predicate"}
	subjectNames   = []string{"name", "digest"}
	predicateNames = []string{"model", "provider", "inputDigest", "outputDigest", "parametersDigest", "parameters", "tokens", "requestId", "time", "traceRoot", "traceSize"}
	providerNames  = []string{"id", "keyId"}
	tokensNames    = []string{"input", "output"}
	rootPredNames  = []string{"provider", "size"}
	envelopeNames  = []string{"payload", "payloadType", "signatures"}
	signatureNames = []string{"keyid", "sig"}
	batchNames     = []string{"receipts", "root"}
	memberNames    = []string{"statement", "index", "proof", "root"}
)

// all is the required mask of n members.
func all(n int) uint32 { return 1<<n - 1 }

func (r *jsonReader) statement(st *Statement) error {
	return r.object(statementNames, all(4), func(k int) (err error) {
		switch k {
		case 0:
			st.Type, err = r.str(false)
		case 1:
			st.Subject, err = r.subjects()
		case 2:
			st.PredicateType, err = r.str(false)
		case 3:
			err = r.predicate(&st.Predicate)
		}
		return err
	})
}

func (r *jsonReader) subjects() ([]Subject, error) {
	out := make([]Subject, 0, 1)
	err := r.array(func() error {
		var s Subject
		err := r.object(subjectNames, all(2), func(k int) (err error) {
			if k == 0 {
				s.Name, err = r.str(false)
			} else {
				s.Digest, err = r.stringMap()
			}
			return err
		})
		out = append(out, s)
		return err
	})
	return out, err
}

func (r *jsonReader) predicate(p *Predicate) error {
	// parametersDigest (4), parameters (5), traceRoot (9) and traceSize
	// (10) are omitempty.
	return r.object(predicateNames, all(9)&^(1<<4|1<<5), func(k int) (err error) {
		switch k {
		case 0:
			p.Model, err = r.str(false)
		case 1:
			err = r.provider(&p.Provider)
		case 2:
			p.InputDigest, err = r.str(false)
		case 3:
			p.OutputDigest, err = r.str(false)
		case 4:
			p.ParametersDigest, err = r.str(false)
		case 5:
			p.Parameters, err = r.stringMap()
		case 6:
			err = r.object(tokensNames, all(2), func(k int) (err error) {
				if k == 0 {
					p.Tokens.Input, err = r.uint()
				} else {
					p.Tokens.Output, err = r.uint()
				}
				return err
			})
		case 7:
			p.RequestID, err = r.str(false)
		case 8:
			p.Time, err = r.str(false)
		case 9:
			p.TraceRoot, err = r.str(false)
		case 10:
			p.TraceSize, err = r.uint()
		}
		return err
	})
}

func (r *jsonReader) provider(p *Provider) error {
	return r.object(providerNames, all(2), func(k int) (err error) {
		if k == 0 {
			p.ID, err = r.str(false)
		} else {
			p.KeyID, err = r.str(false)
		}
		return err
	})
}

func (r *jsonReader) rootStatement(rs *RootStatement) error {
	return r.object(statementNames, all(4), func(k int) (err error) {
		switch k {
		case 0:
			rs.Type, err = r.str(false)
		case 1:
			rs.Subject, err = r.subjects()
		case 2:
			rs.PredicateType, err = r.str(false)
		case 3:
			err = r.object(rootPredNames, all(2), func(k int) (err error) {
				if k == 0 {
					err = r.provider(&rs.Predicate.Provider)
				} else {
					rs.Predicate.Size, err = r.uint()
				}
				return err
			})
		}
		return err
	})
}

// rawEnvelope, rawBatch and rawMember are the decoded JSON of
// wireEnvelope, wireBatch and wireMember with base64 members still
// encoded, as slices of the input.
type rawEnvelope struct {
	payload     []byte
	payloadType string
	signatures  []rawSignature
}

type rawSignature struct {
	keyID string
	sig   []byte
}

type rawBatch struct {
	receipts [][]byte
	root     rawEnvelope
}

type rawMember struct {
	statement []byte
	index     uint64
	proof     []string
	root      rawEnvelope
}

func (r *jsonReader) envelope(w *rawEnvelope) error {
	return r.object(envelopeNames, all(3), func(k int) (err error) {
		switch k {
		case 0:
			w.payload, err = r.text()
		case 1:
			w.payloadType, err = r.str(false)
		case 2:
			w.signatures = make([]rawSignature, 0, 1)
			err = r.array(func() error {
				var s rawSignature
				err := r.object(signatureNames, all(2), func(k int) (err error) {
					if k == 0 {
						s.keyID, err = r.str(false)
					} else {
						s.sig, err = r.text()
					}
					return err
				})
				w.signatures = append(w.signatures, s)
				return err
			})
		}
		return err
	})
}

func (r *jsonReader) batch(w *rawBatch) error {
	return r.object(batchNames, all(2), func(k int) (err error) {
		if k == 0 {
			// A receipt of ~1 KiB takes ~1.4 KiB of base64.
			w.receipts, err = r.textArray(min(len(r.b)/1024+1, MaxBatchReceipts+1))
		} else {
			err = r.envelope(&w.root)
		}
		return err
	})
}

func (r *jsonReader) member(w *rawMember) error {
	return r.object(memberNames, all(4), func(k int) (err error) {
		switch k {
		case 0:
			w.statement, err = r.text()
		case 1:
			w.index, err = r.uint()
		case 2:
			w.proof, err = r.stringArray(maxBatchProof)
		case 3:
			err = r.envelope(&w.root)
		}
		return err
	})
}

// decodeBase64 accepts only standard padded base64 with no line breaks and
// zero trailing bits, so every byte string has exactly one text form.
// what names s in the error.
func decodeBase64(what func() string, s []byte) ([]byte, error) {
	return decodeBase64Into(make([]byte, base64.StdEncoding.DecodedLen(len(s))), what, s)
}

// decodeBase64Into is decodeBase64 writing into out, which has room for
// base64.StdEncoding.DecodedLen(len(s)) bytes; the result's capacity ends
// where it does.
func decodeBase64Into(out []byte, what func() string, s []byte) ([]byte, error) {
	m, err := base64.StdEncoding.Strict().Decode(out, s)
	// Strict decoding refuses non-zero trailing bits and bad padding but
	// skips '\r' and '\n'; the length check refuses those, so s is
	// exactly the encoding of the result.
	if err != nil || base64.StdEncoding.EncodedLen(m) != len(s) {
		return nil, fmt.Errorf("%w: %s is not canonical standard base64", ErrMalformed, what())
	}
	return out[:m:m], nil
}

// named returns a constant error subject.
func named(s string) func() string { return func() string { return s } }
