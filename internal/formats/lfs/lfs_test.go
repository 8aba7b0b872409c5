package lfs

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// pointer is a pointer as git-lfs writes it (git lfs pointer --file=x, for
// a 12345-byte file; the oid is that of an example, not recomputed).
const pointer = "version https://git-lfs.github.com/spec/v1\n" +
	"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n" +
	"size 12345\n"

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		head string
		want *PointerError // nil: not a pointer
		msg  string
	}{
		{"pointer", pointer, &PointerError{OID: "sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393", Size: 12345},
			"this is a Git LFS pointer (oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393, size 12345): fetch the file with git lfs pull"},
		{"crlf", strings.ReplaceAll(pointer, "\n", "\r\n"), &PointerError{OID: "sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393", Size: 12345}, ""},
		{"hawser", "version https://hawser.github.com/spec/v1\noid sha256:ab\nsize 7\n", &PointerError{OID: "sha256:ab", Size: 7}, ""},
		{"extension lines", "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:00\noid sha256:cd\nsize 0\n", &PointerError{OID: "sha256:cd", Size: 0}, ""},
		{"no size", "version https://git-lfs.github.com/spec/v1\noid sha256:cd\n", &PointerError{OID: "sha256:cd", Size: -1},
			"this is a Git LFS pointer (oid sha256:cd): fetch the file with git lfs pull"},
		{"version line only", "version https://git-lfs.github.com/spec/v1", &PointerError{Size: -1},
			"this is a Git LFS pointer: fetch the file with git lfs pull"},
		{"bad size", "version https://git-lfs.github.com/spec/v1\noid sha256:cd\nsize -3\n", &PointerError{OID: "sha256:cd", Size: -1}, ""},
		{"oid with control bytes", "version https://git-lfs.github.com/spec/v1\noid sha256:\x1b[2J\nsize 1\n", &PointerError{Size: 1}, ""},
		{"other version", "version https://example.org/spec/v1\noid sha256:cd\nsize 1\n", nil, ""},
		{"version not first", "oid sha256:cd\nversion https://git-lfs.github.com/spec/v1\n", nil, ""},
		{"safetensors", "\x08\x00\x00\x00\x00\x00\x00\x00{}      ", nil, ""},
		{"empty", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse([]byte(tt.head))
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Fatalf("Parse = %+v, want %+v", got, tt.want)
			}
			if tt.msg != "" && got.Error() != tt.msg {
				t.Errorf("message %q, want %q", got.Error(), tt.msg)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	err := Check(bytes.NewReader([]byte(pointer)))
	var pe *PointerError
	if !errors.Is(err, ErrPointer) || !errors.As(err, &pe) || pe.Size != 12345 {
		t.Fatalf("err = %v", err)
	}
	// Only the first MaxPointerSize bytes are read: a pointer's first line
	// on a large file is still reported.
	big := append([]byte(pointer), make([]byte, 4*MaxPointerSize)...)
	if err := Check(bytes.NewReader(big)); !errors.Is(err, ErrPointer) {
		t.Fatalf("large file: err = %v", err)
	}
	if err := Check(bytes.NewReader([]byte("GGUF\x03\x00\x00\x00"))); err != nil {
		t.Fatalf("gguf: err = %v", err)
	}
}

func TestHasPrefix(t *testing.T) {
	for head, want := range map[string]bool{
		"version ":             true,
		pointer[:20]:           true,
		pointer:                true,
		"version":              false, // too short to tell
		"GGUF\x03\x00\x00\x00": false,
		"version x":            false,
	} {
		if got := HasPrefix([]byte(head)); got != want {
			t.Errorf("HasPrefix(%q) = %v, want %v", head, got, want)
		}
	}
}

// FuzzParse: Parse never panics, and what it reports is safe to print.
func FuzzParse(f *testing.F) {
	f.Add([]byte(pointer))
	f.Add([]byte("version https://git-lfs.github.com/spec/v1\noid \nsize 99999999999999999999\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		p := Parse(head)
		if p == nil {
			return
		}
		if p.OID != "" && !printable(p.OID) || p.Size < -1 {
			t.Fatalf("%+v", p)
		}
		if !strings.HasPrefix(p.Error(), "this is a Git LFS pointer") {
			t.Fatalf("message %q", p.Error())
		}
	})
}
