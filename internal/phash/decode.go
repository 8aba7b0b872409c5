package phash

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"os"
)

const (
	// MaxPixels caps width × height of an image that will be decoded or
	// hashed (64 megapixels, about 256 MiB as RGBA).
	MaxPixels = 64 << 20
	// MaxFileBytes caps the size of an encoded image file.
	MaxFileBytes = 128 << 20
)

// HashFile decodes the PNG, JPEG or GIF (first frame) at path and hashes it.
// The header is checked against MaxPixels before the pixels are decoded.
func HashFile(path string) (Hash64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("phash: open image: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileBytes {
		return 0, fmt.Errorf("%w: file is %d bytes, limit %d", ErrTooLarge, st.Size(), MaxFileBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return 0, fmt.Errorf("phash: read image: %w", err)
	}
	return HashBytes(data)
}

// HashBytes decodes an encoded PNG, JPEG or GIF image and hashes it.
func HashBytes(data []byte) (Hash64, error) { return hashBytes(data, MaxPixels) }

func hashBytes(data []byte, maxPixels int64) (Hash64, error) {
	img, _, err := decode(data, maxPixels)
	if err != nil {
		return 0, err
	}
	return Hash(img)
}

// Decode decodes an encoded PNG, JPEG or GIF image and returns it with its
// format name ("png", "jpeg" or "gif"), refusing anything over
// MaxFileBytes or, from its header alone, over MaxPixels.
func Decode(data []byte) (image.Image, string, error) { return decode(data, MaxPixels) }

// decode is Decode with the pixel cap as a parameter, so the fuzz test can
// exercise the same path with a cap small enough to keep each run fast.
func decode(data []byte, maxPixels int64) (image.Image, string, error) {
	if len(data) > MaxFileBytes {
		return nil, "", fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxFileBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, "", ErrUnsupportedFormat
		}
		return nil, format, fmt.Errorf("%w: %s header: %v", ErrCorrupt, format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, format, fmt.Errorf("%w: %s is %dx%d", ErrEmptyImage, format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, format, fmt.Errorf("%w: %s is %dx%d pixels, limit %d",
			ErrTooLarge, format, cfg.Width, cfg.Height, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, format, fmt.Errorf("%w: %s: %v", ErrCorrupt, format, err)
	}
	// A decoder may produce bounds other than the header's (GIF frames);
	// recheck what will actually be hashed.
	if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > maxPixels {
		return nil, format, fmt.Errorf("%w: %s decoded to %dx%d", ErrTooLarge, format, b.Dx(), b.Dy())
	}
	return img, format, nil
}
