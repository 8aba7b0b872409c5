package fingerprint

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// patternBytes returns n bytes with byte i = i % 251, the content of every
// known-answer file. The same files were written for the vectors below with
//
//	python3 -c "import sys; sys.stdout.buffer.write(bytes(i%251 for i in range(N)))" > fN
func patternBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// writePattern writes patternBytes(n) to path, creating parent directories.
func writePattern(t testing.TB, path string, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, patternBytes(n), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Whole-file vectors, produced by `b3sum fN` (b3sum 1.2.0, Debian package
// b3sum) and `sha256sum fN` (GNU coreutils) on the files above. Sizes cross
// BLAKE3's 1024-byte chunk, the 8 KiB (AVX2) and 16 KiB (AVX-512) SIMD batch
// boundaries and this package's 256 KiB read buffer.
var fileVectors = []struct {
	size           int
	blake3, sha256 string
}{
	{0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213", "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
	{1000, "b43670a52d1af24abdac5d2c3ed19ff4e62b60a618e823ad555888b1b0b91cff", "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d"},
	{1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7", "2bce1ba628720664be4b9fdd77aae0678e5f0f3f02fc6ff641ec879094f6a404"},
	{1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444", "bc0b6b10b89b9487a12fda2a8cc13194e7091c217aabf8b92846274026f4bcd0"},
	{2500, "95e809954ebdd862debeb347d5715c09e73d150cd0704d4bbd834993a730e2ff", "a75c5b146f3ad9d2e6e54652e71eb6a1d206ffb1348bed2c2f43b51ddaac0f88"},
	{8193, "bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b", "7e3691790cd64b19d4edb1a80e988214515abeb53aa0f34ffbfe4b4bf405d120"},
	{1048589, "47fc4d04065930f061234d4fdcffd297a9f720fb222a190b6dd1275339d0f3b2", "8210b3c7b3f97e5eaa57b89d3a1a864ac8f5fe910f6327396801c312daa80291"},
}

// TestKnownAnswerFiles fingerprints single files and compares the resource
// digest with b3sum/sha256sum. For a single-resource manifest the subject
// digest is the hash of that one 32-byte digest.
func TestKnownAnswerFiles(t *testing.T) {
	dir := t.TempDir()
	for _, v := range fileVectors {
		path := filepath.Join(dir, "f"+strconv.Itoa(v.size))
		writePattern(t, path, v.size)
		for _, tc := range []struct {
			alg  Algorithm
			want string
		}{{BLAKE3, v.blake3}, {SHA256, v.sha256}} {
			// Small buffers too, so reads split at odd places.
			for _, buf := range []int{0, 7, 4096} {
				m, err := Fingerprint(t.Context(), path, Options{Algorithm: tc.alg, BufferSize: buf})
				if err != nil {
					t.Fatalf("%s size %d: %v", tc.alg, v.size, err)
				}
				if len(m.Resources) != 1 {
					t.Fatalf("%d resources, want 1", len(m.Resources))
				}
				r := m.Resources[0]
				if got := r.Digest.String(); got != string(tc.alg)+":"+tc.want {
					t.Errorf("%s size %d buffer %d: digest %s, want %s", tc.alg, v.size, buf, got, tc.want)
				}
				// model_signing names the one resource of a file model ".".
				if r.Name != "." || m.Name != "f"+strconv.Itoa(v.size) || r.Size != int64(v.size) || m.Size != int64(v.size) {
					t.Errorf("resource %+v, manifest size %d", r, m.Size)
				}
				if m.Serialization.Method != MethodFiles {
					t.Errorf("method %q", m.Serialization.Method)
				}
			}
		}
	}
}

// Shard vectors for f2500 split at 1000 bytes, produced by
//
//	tail -c +1    f2500 | head -c 1000 | b3sum   (and | sha256sum)
//	tail -c +1001 f2500 | head -c 1000 | b3sum
//	tail -c +2001 f2500 | head -c 500  | b3sum
//
// and the subject digests by hashing the raw shard digests in order:
//
//	for s in "1 1000" "1001 1000" "2001 500"; do set -- $s
//	  tail -c +$1 f2500 | head -c $2 | b3sum --raw; done | b3sum
//	for s in …; do … | sha256sum | cut -c1-64 | tr a-f A-F | basenc --base16 -d; done | sha256sum
func TestKnownAnswerShards(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f2500")
	writePattern(t, path, 2500)
	tests := []struct {
		alg     Algorithm
		shards  [3]string
		subject string
	}{
		{BLAKE3, [3]string{
			"b43670a52d1af24abdac5d2c3ed19ff4e62b60a618e823ad555888b1b0b91cff",
			"9d70947ab03daf9fe667a3e109e9f42c47bc121e39301c1902180944c2f51e50",
			"fd7ac76f6ac299cfe138192d92bff9d2a9d317e5b60a28564f474c1db16925bd",
		}, "92dc775a405249d7d25fbb1824343be195f37f54ac88022d078b085c8d9e7601"},
		{SHA256, [3]string{
			"4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d",
			"6001f4fd9d6d0187a279decbb936b7e0ea8654ba3bb4624bdfc8b886bd0811d7",
			"770f036a57ec25ac7fac48514ff52755e76a23bef7e03a53f7fbbf4869e3ba9f",
		}, "1f207dadd9702b414ac3b23af863b4201701fd7b9165ca515816f5a4d64d4cf1"},
	}
	names := [3]string{".:0:1000", ".:1000:2000", ".:2000:2500"}
	for _, tt := range tests {
		for _, workers := range []int{1, 2, 3, 8} {
			m, err := Fingerprint(t.Context(), path, Options{Algorithm: tt.alg, ShardSize: 1000, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Resources) != 3 {
				t.Fatalf("%d resources, want 3", len(m.Resources))
			}
			for i, r := range m.Resources {
				if r.Name != names[i] || r.Digest.Hex() != tt.shards[i] {
					t.Errorf("%s workers=%d resource %d = %s %s, want %s %s", tt.alg, workers, i, r.Name, r.Digest.Hex(), names[i], tt.shards[i])
				}
			}
			if m.Digest.String() != string(tt.alg)+":"+tt.subject {
				t.Errorf("%s workers=%d subject %s, want %s", tt.alg, workers, m.Digest, tt.subject)
			}
			if m.Serialization.Method != MethodFilesAndShards || m.Serialization.ShardSize != 1000 {
				t.Errorf("serialization %+v", m.Serialization)
			}
		}
	}
}

// TestKnownAnswerDirectory checks the subject digest of a directory against
// command-line tools. The resource order is model_signing's element-wise path
// order: a/x, a.b, c, sub/b.bin (plain string order would put a.b first).
// Produced by
//
//	cat <(b3sum --raw f1024) <(b3sum --raw f1) <(b3sum --raw f0) <(b3sum --raw f1025) | b3sum
//	for f in f1024 f1 f0 f1025; do sha256sum $f | cut -c1-64 | tr a-f A-F | basenc --base16 -d; done | sha256sum
func TestKnownAnswerDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	writePattern(t, filepath.Join(dir, "a.b"), 1)
	writePattern(t, filepath.Join(dir, "a", "x"), 1024)
	writePattern(t, filepath.Join(dir, "c"), 0)
	writePattern(t, filepath.Join(dir, "sub", "b.bin"), 1025)
	for alg, want := range map[Algorithm]string{
		BLAKE3: "blake3:6cf30d95a68c13b43996d4864ddf15b0c9c9776abd83c112b801c29dec6c39b4",
		SHA256: "sha256:9442a3efb256126ad8ac939e648ba034f6530f4a1d25fa759e1eebbfbe187faf",
	} {
		m, err := Fingerprint(t.Context(), dir, Options{Algorithm: alg})
		if err != nil {
			t.Fatal(err)
		}
		if m.Digest.String() != want {
			t.Errorf("%s subject = %s, want %s", alg, m.Digest, want)
		}
		var names []string
		for _, r := range m.Resources {
			names = append(names, r.Name)
		}
		if got := strings.Join(names, " "); got != "a/x a.b c sub/b.bin" {
			t.Errorf("order = %s", got)
		}
		if m.Name != "model" {
			t.Errorf("name = %q", m.Name)
		}
		if err := m.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
	}
}
