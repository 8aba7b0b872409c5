package receipt

import (
	"testing"
)

// BenchmarkIngestBatch measures what a log spends on one receipt of a
// 1,000-receipt batch: strict decoding, the root signature, the tree, every
// statement, and the stand-alone members. Reported per receipt.
func BenchmarkIngestBatch(b *testing.B) {
	pub, priv := testKey("provider")
	raw := signedBatch(b, priv, 1000).Canonical()
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		bt, err := DecodeBatch(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := VerifyBatch(bt, pub); err != nil {
			b.Fatal(err)
		}
		if _, err := bt.Members(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/receipt")
}

// BenchmarkDecodeEnvelope measures strict decoding of one envelope.
func BenchmarkDecodeEnvelope(b *testing.B) {
	_, priv := testKey("provider")
	raw := signed(b, priv, 1).Canonical()
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := DecodeEnvelope(raw); err != nil {
			b.Fatal(err)
		}
	}
}
