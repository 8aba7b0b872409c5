package phash

import (
	"fmt"
	"image"
	"image/color"
	"math/bits"
	"slices"
	"strconv"
)

// Algorithm names the exact algorithm and parameters of Hash. It is stored
// on chain next to every hash; hashes with different tags are not comparable.
const Algorithm = "prova-phash-dct-v1:luma16:box32x32:idct2q20:ac8x8:median"

const (
	side  = 32 // resized image is side × side
	keep  = 8  // keep × keep coefficients are hashed
	first = 1  // first kept frequency in each direction (0 would be DC)
)

// Hash64 is a 64-bit perceptual hash; see the package documentation for
// which bit is which.
type Hash64 uint64

// String formats the hash as 16 lower-case hex digits.
func (h Hash64) String() string { return fmt.Sprintf("%016x", uint64(h)) }

// ParseHash parses the output of Hash64.String.
func ParseHash(s string) (Hash64, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("%w: want 16 hex digits, got %d characters", ErrBadHash, len(s))
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrBadHash, s)
	}
	return Hash64(v), nil
}

// Distance returns the Hamming distance between two hashes (0..64).
func Distance(a, b Hash64) int { return bits.OnesCount64(uint64(a ^ b)) }

// Hash computes the perceptual hash of img. It is pure and deterministic.
func Hash(img image.Image) (Hash64, error) {
	b := img.Bounds()
	if b.Empty() {
		return 0, ErrEmptyImage
	}
	if int64(b.Dx())*int64(b.Dy()) > MaxPixels {
		return 0, fmt.Errorf("%w: %dx%d pixels, limit %d", ErrTooLarge, b.Dx(), b.Dy(), MaxPixels)
	}
	small := resizeBox(img)
	coef := dct(&small)
	return threshold(&coef), nil
}

// threshold turns the kept coefficients into bits at their median.
func threshold(coef *[keep * keep]int64) Hash64 {
	sorted := *coef
	slices.Sort(sorted[:])
	// Compare 2c with the sum of the two middle values: c > median without
	// a division and without rounding.
	twiceMedian := sorted[len(sorted)/2-1] + sorted[len(sorted)/2]
	var h Hash64
	for i, c := range coef {
		if 2*c > twiceMedian {
			h |= 1 << uint(i)
		}
	}
	return h
}

// luma16 is the BT.601 luminance of a 16-bit premultiplied RGB triple, the
// same formula as color.Gray16Model.
func luma16(r, g, b uint32) uint64 {
	return uint64((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
}

// rowLuma writes the luminance of row y of img into dst (len = width). The
// fast paths return exactly what the generic At path would.
func rowLuma(img image.Image, y int, dst []uint64) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for i := range dst {
			v := uint64(row[i])
			dst[i] = v<<8 | v
		}
	case *image.RGBA:
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for i := range dst {
			p := row[4*i : 4*i+3 : 4*i+3]
			r, g, bl := uint32(p[0]), uint32(p[1]), uint32(p[2])
			dst[i] = luma16(r<<8|r, g<<8|g, bl<<8|bl)
		}
	case *image.YCbCr:
		for i := range dst {
			x := b.Min.X + i
			yy := m.Y[m.YOffset(x, y)]
			ci := m.COffset(x, y)
			r, g, bl, _ := color.YCbCr{Y: yy, Cb: m.Cb[ci], Cr: m.Cr[ci]}.RGBA()
			dst[i] = luma16(r, g, bl)
		}
	default:
		for i := range dst {
			r, g, bl, _ := img.At(b.Min.X+i, y).RGBA()
			dst[i] = luma16(r, g, bl)
		}
	}
}

// span is one source pixel's integer coverage of one output pixel.
type span struct {
	out    int    // output index
	weight uint64 // covered length in units of 1/side source pixel
}

// spans lists, for each source index in [0, n), the output pixels it covers
// and by how much. With coordinates scaled by side·n, output o covers
// [o·n, (o+1)·n) and source s covers [s·side, (s+1)·side); the overlap
// lengths are integers, each output's weights sum to n and each source's to
// side. A source pixel touches at most two outputs when n ≥ side, and up to
// ⌈side/n⌉+1 when it is upsampled.
func spans(n int) [][]span {
	out := make([][]span, n)
	for s := range n {
		lo, hi := s*side, (s+1)*side
		for o := lo / n; o < side && o*n < hi; o++ {
			ol, oh := max(lo, o*n), min(hi, (o+1)*n)
			if oh > ol {
				out[s] = append(out[s], span{out: o, weight: uint64(oh - ol)})
			}
		}
	}
	return out
}

// resizeBox averages the luminance of img onto a side×side grid. Each output
// value is Σ wx·wy·Y / (W·H), rounded to nearest: the exact area average.
// The sums fit in uint64: at most 65535·W·H ≤ 65535·2^26 < 2^43.
func resizeBox(img image.Image) [side][side]int64 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	xs, ys := spans(w), spans(h)
	var acc [side][side]uint64
	row := make([]uint64, w)
	var hsum [side]uint64
	for sy := range h {
		rowLuma(img, b.Min.Y+sy, row)
		hsum = [side]uint64{}
		for sx, v := range row {
			for _, sp := range xs[sx] {
				hsum[sp.out] += sp.weight * v
			}
		}
		for _, sp := range ys[sy] {
			for o := range hsum {
				acc[sp.out][o] += sp.weight * hsum[o]
			}
		}
	}
	total := uint64(w) * uint64(h)
	var res [side][side]int64
	for y := range acc {
		for x := range acc[y] {
			res[y][x] = int64((acc[y][x] + total/2) / total)
		}
	}
	return res
}
