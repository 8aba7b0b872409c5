package phash

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustHash(t testing.TB, img image.Image) Hash64 {
	t.Helper()
	h, err := Hash(img)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustHashBytes(t testing.TB, data []byte) Hash64 {
	t.Helper()
	h, err := HashBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
