package phash

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"
	"testing"

	"github.com/prova-network/prova/internal/phash/phashtest"
)

// Bounds observed with the synthetic images of synth (seeds 0..19, 320×240):
// JPEG q70 ≤ 2, 50% and 150% bilinear resize ≤ 2, +20 brightness ≤ 2, mean
// distance between distinct images 31.7 (minimum 20). The assertions leave a
// margin above what was measured.
const (
	maxCopyDistance  = 8
	minMeanDistinct  = 24.0
	robustnessImages = 12
)

func TestRobustness(t *testing.T) {
	edits := []struct {
		name string
		edit func(t *testing.T, img *image.RGBA) Hash64
	}{
		{"jpeg-q70", func(t *testing.T, img *image.RGBA) Hash64 { return mustHashBytes(t, encodeJPEG(t, img, 70)) }},
		{"resize-50", func(t *testing.T, img *image.RGBA) Hash64 {
			b := img.Bounds()
			return mustHash(t, phashtest.Bilinear(img, b.Dx()/2, b.Dy()/2))
		}},
		{"resize-150", func(t *testing.T, img *image.RGBA) Hash64 {
			b := img.Bounds()
			return mustHash(t, phashtest.Bilinear(img, b.Dx()*3/2, b.Dy()*3/2))
		}},
		{"brighten-20", func(t *testing.T, img *image.RGBA) Hash64 { return mustHash(t, phashtest.Brighten(img, 20)) }},
		{"resize-50-then-jpeg", func(t *testing.T, img *image.RGBA) Hash64 {
			b := img.Bounds()
			return mustHashBytes(t, encodeJPEG(t, phashtest.Bilinear(img, b.Dx()/2, b.Dy()/2), 70))
		}},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			worst := 0
			for seed := range uint64(robustnessImages) {
				img := phashtest.Synth(seed, 320, 240)
				d := Distance(mustHash(t, img), e.edit(t, img))
				worst = max(worst, d)
				if d > maxCopyDistance {
					t.Errorf("seed %d: distance %d > %d", seed, d, maxCopyDistance)
				}
			}
			t.Logf("worst distance %d", worst)
		})
	}
}

func TestDistinctImagesFarApart(t *testing.T) {
	var hs []Hash64
	for seed := range uint64(20) {
		hs = append(hs, mustHash(t, phashtest.Synth(100+seed, 200, 150)))
	}
	sum, n := 0, 0
	for i := range hs {
		for j := i + 1; j < len(hs); j++ {
			sum += Distance(hs[i], hs[j])
			n++
		}
	}
	mean := float64(sum) / float64(n)
	t.Logf("mean distance between distinct images %.2f", mean)
	if mean <= minMeanDistinct {
		t.Fatalf("mean distance %.2f, want > %.0f", mean, minMeanDistinct)
	}
}

// pattern is a picture defined by integer arithmetic alone, so it cannot
// drift with a random number generator or an image library.
func pattern() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 97, 61))
	for y := range 61 {
		for x := range 97 {
			v := uint8((x*x/5 + 3*y*y/7 + x*y/11) % 256)
			if (x/13+y/9)%2 == 0 {
				v = 255 - v
			}
			img.SetRGBA(x, y, color.RGBA{v, uint8(x * 2), uint8(y * 4), 255})
		}
	}
	return img
}

// TestKnownAnswer pins this implementation's output for a fixed image. The
// value was produced by this package itself when it was written, so it
// guards against regressions (any change here must also change Algorithm),
// not against an independent reference.
func TestKnownAnswer(t *testing.T) {
	const want = Hash64(0x48840c393fdf9f1c)
	got := mustHash(t, pattern())
	if got != want {
		t.Fatalf("Hash(pattern) = %s, want %s", got, want)
	}
	const wantSynth = Hash64(0xc28f5a3ee11ab1e2)
	if got := mustHash(t, phashtest.Synth(0, 320, 240)); got != wantSynth {
		t.Fatalf("Hash(synth 0) = %s, want %s", got, wantSynth)
	}
}

// TestPixelFormatsAgree checks the fast paths against the generic At path.
func TestPixelFormatsAgree(t *testing.T) {
	src := phashtest.Synth(7, 123, 77)
	want := mustHash(t, src)
	nrgba := image.NewNRGBA(src.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), src, image.Point{}, draw.Src)
	offset := image.NewRGBA(image.Rect(10, 20, 133, 97))
	draw.Draw(offset, offset.Bounds(), src, image.Point{}, draw.Src)
	for name, img := range map[string]image.Image{"nrgba": nrgba, "offset": offset, "sub": offset.SubImage(offset.Bounds())} {
		if got := mustHash(t, img); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	gray := image.NewGray(src.Bounds())
	draw.Draw(gray, gray.Bounds(), src, image.Point{}, draw.Src)
	gray16 := image.NewGray16(src.Bounds())
	draw.Draw(gray16, gray16.Bounds(), gray, image.Point{}, draw.Src)
	if a, b := mustHash(t, gray), mustHash(t, gray16); a != b {
		t.Errorf("gray fast path %s, generic %s", a, b)
	}
	ycc := image.NewYCbCr(src.Bounds(), image.YCbCrSubsampleRatio420)
	for y := range 77 {
		for x := range 123 {
			c := color.YCbCrModel.Convert(src.At(x, y)).(color.YCbCr)
			ycc.Y[ycc.YOffset(x, y)] = c.Y
			ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = c.Cb, c.Cr
		}
	}
	generic := image.NewRGBA64(ycc.Bounds())
	draw.Draw(generic, generic.Bounds(), ycc, image.Point{}, draw.Src)
	if a, b := mustHash(t, ycc), mustHash(t, generic); a != b {
		t.Errorf("ycbcr fast path %s, generic %s", a, b)
	}
}

func TestTinyAndEmptyImages(t *testing.T) {
	for _, size := range []image.Point{{1, 1}, {3, 50}, {31, 33}, {32, 32}} {
		if _, err := Hash(phashtest.Bilinear(pattern(), size.X, size.Y)); err != nil {
			t.Errorf("%v: %v", size, err)
		}
	}
	if _, err := Hash(image.NewUniform(color.Black)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("unbounded image: %v, want ErrTooLarge", err)
	}
	if _, err := Hash(image.NewRGBA(image.Rect(0, 0, 0, 5))); !errors.Is(err, ErrEmptyImage) {
		t.Fatalf("empty image: %v, want ErrEmptyImage", err)
	}
	// A uniform image has all-zero AC terms: every bit is 0, not noise.
	flat := image.NewGray(image.Rect(0, 0, 40, 30))
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.Gray{128}), image.Point{}, draw.Src)
	if h := mustHash(t, flat); h != 0 {
		t.Fatalf("uniform image hash %s, want 0", h)
	}
}

// TestBoxWeights checks the box filter's integer coverage: each source
// pixel's weights sum to side and each output's to n.
func TestBoxWeights(t *testing.T) {
	for _, n := range []int{1, 2, 7, 31, 32, 33, 100, 1000} {
		perOut := make([]int, side)
		for s, sp := range spans(n) {
			sum := 0
			for _, x := range sp {
				sum += int(x.weight)
				perOut[x.out] += int(x.weight)
			}
			if sum != side {
				t.Fatalf("n=%d source %d: weights sum %d, want %d", n, s, sum, side)
			}
		}
		for o, sum := range perOut {
			if sum != n {
				t.Fatalf("n=%d output %d: weights sum %d, want %d", n, o, sum, n)
			}
		}
	}
}

func TestCosTable(t *testing.T) {
	for j, v := range cosTableQ20 {
		want := math.Round(math.Cos(float64(j)*math.Pi/64) * (1 << 20))
		if float64(v) != want {
			t.Errorf("cosTableQ20[%d] = %d, want %v", j, v, want)
		}
	}
	for m := range 256 {
		want := math.Cos(float64(m)*math.Pi/64) * (1 << 20)
		if d := math.Abs(float64(cosQ20(m)) - want); d > 0.5 {
			t.Errorf("cosQ20(%d) off by %v", m, d)
		}
	}
}

func TestParseHash(t *testing.T) {
	h := Hash64(0xc28f5a3ee11ab1e2)
	got, err := ParseHash(h.String())
	if err != nil || got != h {
		t.Fatalf("ParseHash(%q) = %s, %v", h.String(), got, err)
	}
	for _, bad := range []string{"", "c28f", "zz8f5a3ee11ab1e2", "+28f5a3ee11ab1e2"} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrBadHash) {
			t.Errorf("ParseHash(%q): %v, want ErrBadHash", bad, err)
		}
	}
	if d := Distance(0, ^Hash64(0)); d != 64 {
		t.Fatalf("Distance(0, ^0) = %d", d)
	}
}

func BenchmarkHash(b *testing.B) {
	img := phashtest.Synth(5, 1920, 1080)
	for b.Loop() {
		if _, err := Hash(img); err != nil {
			b.Fatal(err)
		}
	}
}
