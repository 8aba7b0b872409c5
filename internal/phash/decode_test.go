package phash

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/phash/phashtest"
)

func encodeGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	p := image.NewPaletted(img.Bounds(), palette.Plan9)
	draw.Draw(p, p.Bounds(), img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := gif.Encode(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngWithSize rewrites the IHDR of a valid PNG to claim w×h pixels, with a
// correct CRC, so that only the size cap can reject it.
func pngWithSize(t *testing.T, w, h uint32) []byte {
	t.Helper()
	data := bytes.Clone(encodePNG(t, pattern()))
	// 8-byte signature, 4-byte length, "IHDR", then width and height.
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

func TestHashFileFormats(t *testing.T) {
	img := phashtest.Synth(42, 240, 180)
	want := mustHash(t, img)
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		data    []byte
		maxDist int
	}{
		{"image.png", encodePNG(t, img), 0}, // lossless: the same hash
		{"image.jpg", encodeJPEG(t, img, 90), maxCopyDistance},
		{"image.gif", encodeGIF(t, img), maxCopyDistance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := HashFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if d := Distance(got, want); d > tc.maxDist {
				t.Fatalf("distance %d > %d", d, tc.maxDist)
			}
		})
	}
	if _, err := HashFile(filepath.Join(dir, "missing.png")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := encodePNG(t, pattern())
	badCRC := bytes.Clone(good)
	badCRC[29] ^= 0xff
	gifHeader := bytes.Clone(encodeGIF(t, pattern()))
	binary.LittleEndian.PutUint16(gifHeader[6:], 65535) // logical screen 65535×65535
	binary.LittleEndian.PutUint16(gifHeader[8:], 65535)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrUnsupportedFormat},
		{"text", []byte("hello, this is not an image"), ErrUnsupportedFormat},
		{"bmp-magic", []byte("BM\x00\x00\x00\x00"), ErrUnsupportedFormat},
		{"png-truncated", good[:len(good)/2], ErrCorrupt},
		{"png-header-only", good[:33], ErrCorrupt},
		{"png-bad-crc", badCRC, ErrCorrupt},
		{"jpeg-truncated", encodeJPEG(t, pattern(), 70)[:200], ErrCorrupt},
		{"png-zero-size", pngWithSize(t, 0, 10), ErrCorrupt},
		{"png-over-cap", pngWithSize(t, 10000, 10000), ErrTooLarge},
		{"png-wide-over-cap", pngWithSize(t, 1<<30, 1), ErrTooLarge},
		{"gif-over-cap", gifHeader, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := HashBytes(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Just under the cap is accepted by the header check and then fails
	// only because the pixel data is missing, not because of its size.
	if _, err := HashBytes(pngWithSize(t, 8192, 8192)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("64 MP exactly: %v, want ErrCorrupt", err)
	}
}

func TestHashFileSizeCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: the size is checked from Stat before anything is read.
	if err := f.Truncate(MaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := HashFile(path); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}
