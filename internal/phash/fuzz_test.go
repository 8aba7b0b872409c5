package phash

import (
	"errors"
	"image"
	"testing"
)

// fuzzMaxPixels is the pixel cap under fuzzing: the same code path as
// MaxPixels, small enough that a mutated header claiming a large image
// costs milliseconds rather than seconds per run.
const fuzzMaxPixels = 1 << 20

// FuzzHashBytes feeds arbitrary bytes to the decoders. Every input must
// either hash or fail with one of the package's sentinel errors, never
// panic, and hashing must be deterministic. Run for a while with
//
//	go test ./internal/phash -run '^$' -fuzz FuzzHashBytes -fuzztime 20s
func FuzzHashBytes(f *testing.F) {
	// Seeds are tiny images: the fuzzer minimises every new interesting
	// input, and small inputs keep that (and each run) cheap.
	img := pattern().SubImage(image.Rect(0, 0, 9, 7))
	f.Add(encodePNG(f, img))
	f.Add(encodeJPEG(f, img, 50))
	f.Add(encodeGIF(f, img))
	f.Add([]byte("GIF89a"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := hashBytes(data, fuzzMaxPixels)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) &&
				!errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrEmptyImage) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if h2, err := hashBytes(data, fuzzMaxPixels); err != nil || h2 != h {
			t.Fatalf("not deterministic: %s then %s, %v", h, h2, err)
		}
	})
}
