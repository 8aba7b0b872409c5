package phash

import (
	"bytes"
	"errors"
	"image"
	"testing"
)

// fuzzMaxPixels is the pixel cap under fuzzing: the same code path as
// MaxPixels, small enough that a mutated header claiming a large image
// costs milliseconds rather than seconds per run.
const fuzzMaxPixels = 1 << 20

// FuzzHashBytes feeds arbitrary bytes to the decoders and checks hashBytes
// against a reference pipeline: the standard library's image.Decode (run only
// where the header promises a small image) and Hash. Where the reference
// decodes a non-empty image within the cap, hashBytes must return its hash;
// anything else must fail with one of the package's sentinels, and an image
// the reference cannot decode must not hash. A hash prints and parses back
// to itself. Run for a while with
//
//	go test ./internal/phash -run '^$' -fuzz FuzzHashBytes -fuzztime 20s
func FuzzHashBytes(f *testing.F) {
	// Seeds are tiny images: the fuzzer minimises every new interesting
	// input, and small inputs keep that (and each run) cheap.
	img := pattern().SubImage(image.Rect(0, 0, 9, 7))
	png := encodePNG(f, img)
	f.Add(png)
	f.Add(encodeJPEG(f, img, 50))
	f.Add(encodeGIF(f, img))
	f.Add(png[:len(png)/2]) // truncated
	f.Add([]byte("GIF89a"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Add([]byte("not an image"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := hashBytes(data, fuzzMaxPixels)
		want, ok := referenceHash(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) &&
				!errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrEmptyImage) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if ok {
				t.Fatalf("the reference hashes to %s, hashBytes fails: %v", want, err)
			}
			return
		}
		if !ok || h != want {
			t.Fatalf("hashBytes gives %s, the reference %s (ok %v)", h, want, ok)
		}
		if back, err := ParseHash(h.String()); err != nil || back != h {
			t.Fatalf("%s parses back as %s, %v", h, back, err)
		}
	})
}

// referenceHash decodes data with the standard library, refusing (from the
// header) images over fuzzMaxPixels pixels, and hashes the result; ok is
// false where it does not decode to a non-empty image within the cap.
func referenceHash(data []byte) (h Hash64, ok bool) {
	if len(data) > MaxFileBytes {
		return 0, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > fuzzMaxPixels {
		return 0, false
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return 0, false
	}
	if b := img.Bounds(); b.Empty() || int64(b.Dx())*int64(b.Dy()) > fuzzMaxPixels {
		return 0, false
	}
	h, err = Hash(img)
	return h, err == nil
}
