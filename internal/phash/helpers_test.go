package phash

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// synth draws a deterministic test picture from seed: a diagonal colour
// gradient, a few filled rectangles and circles, and mild per-pixel noise.
func synth(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c0 := [3]int{r.IntN(256), r.IntN(256), r.IntN(256)}
	c1 := [3]int{r.IntN(256), r.IntN(256), r.IntN(256)}
	type shape struct {
		circle         bool
		x0, y0, x1, y1 int
		col            [3]int
	}
	shapes := make([]shape, 3+r.IntN(4))
	for i := range shapes {
		x0, y0 := r.IntN(w), r.IntN(h)
		shapes[i] = shape{
			circle: r.IntN(2) == 0,
			x0:     x0, y0: y0,
			x1: x0 + w/8 + r.IntN(w/3), y1: y0 + h/8 + r.IntN(h/3),
			col: [3]int{r.IntN(256), r.IntN(256), r.IntN(256)},
		}
	}
	for y := range h {
		for x := range w {
			t := (x + y) * 256 / (w + h)
			var p [3]int
			for k := range p {
				p[k] = (c0[k]*(256-t) + c1[k]*t) / 256
			}
			for _, s := range shapes {
				in := x >= s.x0 && x < s.x1 && y >= s.y0 && y < s.y1
				if s.circle {
					cx, cy, rx := (s.x0+s.x1)/2, (s.y0+s.y1)/2, (s.x1-s.x0)/2
					in = (x-cx)*(x-cx)+(y-cy)*(y-cy) < rx*rx
				}
				if in {
					p = s.col
				}
			}
			n := r.IntN(17) - 8
			img.SetRGBA(x, y, color.RGBA{clamp8(p[0] + n), clamp8(p[1] + n), clamp8(p[2] + n), 255})
		}
	}
	return img
}

func clamp8(v int) uint8 { return uint8(max(0, min(255, v))) }

// bilinear resizes with bilinear interpolation: deliberately a different
// filter from the hash's box filter, as a real resizer would be.
func bilinear(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	at := func(x, y int) [3]float64 {
		x, y = max(0, min(b.Dx()-1, x)), max(0, min(b.Dy()-1, y))
		r, g, bl, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return [3]float64{float64(r >> 8), float64(g >> 8), float64(bl >> 8)}
	}
	for y := range h {
		fy := (float64(y)+0.5)*float64(b.Dy())/float64(h) - 0.5
		y0 := int(fy)
		if fy < 0 {
			y0 = -1
		}
		ty := fy - float64(y0)
		for x := range w {
			fx := (float64(x)+0.5)*float64(b.Dx())/float64(w) - 0.5
			x0 := int(fx)
			if fx < 0 {
				x0 = -1
			}
			tx := fx - float64(x0)
			a, bb, c, d := at(x0, y0), at(x0+1, y0), at(x0, y0+1), at(x0+1, y0+1)
			var p [3]uint8
			for k := range p {
				top := a[k]*(1-tx) + bb[k]*tx
				bot := c[k]*(1-tx) + d[k]*tx
				p[k] = clamp8(int(top*(1-ty) + bot*ty + 0.5))
			}
			dst.SetRGBA(x, y, color.RGBA{p[0], p[1], p[2], 255})
		}
	}
	return dst
}

// brighten adds delta to every channel.
func brighten(src *image.RGBA, delta int) *image.RGBA {
	dst := image.NewRGBA(src.Bounds())
	for i, v := range src.Pix {
		if i%4 == 3 {
			dst.Pix[i] = v
			continue
		}
		dst.Pix[i] = clamp8(int(v) + delta)
	}
	return dst
}

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
