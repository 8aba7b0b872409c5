// Package phashtest draws deterministic sample pictures and the edits a
// perceptual hash must survive (re-encoding, resizing, brightening): the
// images the perceptual-hash tests, the content e2e tests and the demo use.
package phashtest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// WriteSampleImages writes a generated 384×256 picture as PNG (original)
// and a half-size JPEG (quality 75) re-encoding of it into dir.
func WriteSampleImages(dir string, seed uint64) (original, resized string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	img := SampleImage(seed, 384, 256)
	var pb, jb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		return "", "", err
	}
	if err := jpeg.Encode(&jb, HalfSize(img), &jpeg.Options{Quality: 75}); err != nil {
		return "", "", err
	}
	original = filepath.Join(dir, fmt.Sprintf("output-%d.png", seed))
	resized = filepath.Join(dir, fmt.Sprintf("output-%d-copy.jpg", seed))
	if err := os.WriteFile(original, pb.Bytes(), 0o644); err != nil {
		return "", "", err
	}
	return original, resized, os.WriteFile(resized, jb.Bytes(), 0o644)
}

// SampleImage draws a deterministic picture from seed: a diagonal colour
// gradient with a few rectangles and discs, in integer arithmetic.
func SampleImage(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	rgb := func() [3]int { return [3]int{r.IntN(256), r.IntN(256), r.IntN(256)} }
	c0, c1 := rgb(), rgb()
	type shape struct {
		disc           bool
		x0, y0, x1, y1 int
		col            [3]int
	}
	shapes := make([]shape, 4+r.IntN(4))
	for i := range shapes {
		x0, y0 := r.IntN(w), r.IntN(h)
		shapes[i] = shape{disc: r.IntN(2) == 0, x0: x0, y0: y0, x1: x0 + w/6 + r.IntN(w/3), y1: y0 + h/6 + r.IntN(h/3), col: rgb()}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			t := (x + y) * 256 / (w + h)
			var p [3]int
			for k := range p {
				p[k] = (c0[k]*(256-t) + c1[k]*t) / 256
			}
			for _, s := range shapes {
				in := x >= s.x0 && x < s.x1 && y >= s.y0 && y < s.y1
				if s.disc {
					cx, cy, rad := (s.x0+s.x1)/2, (s.y0+s.y1)/2, (s.x1-s.x0)/2
					in = (x-cx)*(x-cx)+(y-cy)*(y-cy) < rad*rad
				}
				if in {
					p = s.col
				}
			}
			img.SetRGBA(x, y, color.RGBA{uint8(p[0]), uint8(p[1]), uint8(p[2]), 255})
		}
	}
	return img
}

// HalfSize averages 2×2 blocks.
func HalfSize(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := range dst.Rect.Dy() {
		for x := range dst.Rect.Dx() {
			var sum [4]int
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				p := src.RGBAAt(b.Min.X+2*x+d[0], b.Min.Y+2*y+d[1])
				sum[0], sum[1], sum[2], sum[3] = sum[0]+int(p.R), sum[1]+int(p.G), sum[2]+int(p.B), sum[3]+int(p.A)
			}
			dst.SetRGBA(x, y, color.RGBA{uint8((sum[0] + 2) / 4), uint8((sum[1] + 2) / 4), uint8((sum[2] + 2) / 4), uint8((sum[3] + 2) / 4)})
		}
	}
	return dst
}

// Synth draws a deterministic test picture from seed: a diagonal colour
// gradient, a few filled rectangles and circles, and mild per-pixel noise.
func Synth(seed uint64, w, h int) *image.RGBA {
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

// Bilinear resizes with bilinear interpolation: deliberately a different
// filter from the hash's box filter, as a real resizer would be.
func Bilinear(src image.Image, w, h int) *image.RGBA {
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

// Brighten adds delta to every channel.
func Brighten(src *image.RGBA, delta int) *image.RGBA {
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
