package tensorio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/prova-network/prova/internal/onnxint"
)

// npyMagic starts every .npy file (NumPy's format, versions 1 to 3).
var npyMagic = []byte("\x93NUMPY")

// ReadNPY reads one array from a .npy file: little- or big-endian float32,
// float64 (rounded to the nearest float32), int8, uint8, int32 or int64, in C
// order. Fortran order, object arrays and other types are refused.
func ReadNPY(b []byte) (*onnxint.Tensor, error) {
	if !bytes.HasPrefix(b, npyMagic) || len(b) < 10 {
		return nil, errors.New("not a .npy file (no \\x93NUMPY magic)")
	}
	major := b[6]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, errors.New(".npy file truncated in its header")
		}
		h := binary.LittleEndian.Uint32(b[8:12])
		if h > 1<<20 {
			return nil, fmt.Errorf(".npy header of %d bytes is too large", h)
		}
		hlen, start = int(h), 12
	default:
		return nil, fmt.Errorf(".npy format version %d.%d is not supported (1 to 3 are)", major, b[7])
	}
	if len(b) < start+hlen {
		return nil, fmt.Errorf(".npy file truncated: header of %d bytes, file of %d", hlen, len(b))
	}
	hdr, err := parseNPYHeader(string(b[start : start+hlen]))
	if err != nil {
		return nil, err
	}
	n := int64(1)
	for _, d := range hdr.shape {
		if d < 0 || (d > 0 && n > MaxElements/d) {
			return nil, fmt.Errorf(".npy shape %v is over the limit of %d elements", hdr.shape, MaxElements)
		}
		n *= d
	}
	data := b[start+hlen:]
	if int64(len(data)) != n*int64(hdr.width) {
		return nil, fmt.Errorf(".npy data is %d bytes, but shape %v of %s needs %d", len(data), hdr.shape, hdr.descr, n*int64(hdr.width))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if hdr.big {
		bo = binary.BigEndian
	}
	t := &onnxint.Tensor{Dims: hdr.shape}
	switch hdr.kind {
	case 'f':
		t.Type = onnxint.Float
		t.F = make([]uint32, n)
		for i := range t.F {
			if hdr.width == 4 {
				t.F[i] = bo.Uint32(data[4*i:])
			} else {
				t.F[i] = math.Float32bits(float32(math.Float64frombits(bo.Uint64(data[8*i:]))))
			}
		}
	case 'i', 'u':
		switch {
		case hdr.width == 1 && hdr.kind == 'i':
			t.Type = onnxint.Int8
		case hdr.width == 1:
			t.Type = onnxint.Uint8
		case hdr.width == 4 && hdr.kind == 'i':
			t.Type = onnxint.Int32
		case hdr.width == 8 && hdr.kind == 'i':
			t.Type = onnxint.Int64
		}
		if t.Type == onnxint.Int64 {
			t.I64 = make([]int64, n)
			for i := range t.I64 {
				t.I64[i] = int64(bo.Uint64(data[8*i:]))
			}
			break
		}
		t.I = make([]int32, n)
		for i := range t.I {
			switch t.Type {
			case onnxint.Int8:
				t.I[i] = int32(int8(data[i]))
			case onnxint.Uint8:
				t.I[i] = int32(data[i])
			default:
				t.I[i] = int32(bo.Uint32(data[4*i:]))
			}
		}
	}
	return t, nil
}

type npyHeader struct {
	descr string
	kind  byte // 'f', 'i', 'u'
	width int
	big   bool
	shape []int64
}

// parseNPYHeader reads the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 784), }.
func parseNPYHeader(h string) (npyHeader, error) {
	var out npyHeader
	s := strings.TrimSpace(h)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return out, fmt.Errorf(".npy header is not a dict: %.60q", s)
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	seen := map[string]bool{}
	for s != "" {
		key, rest, ok := cutQuoted(s)
		if !ok {
			return out, fmt.Errorf(".npy header: expected a quoted key at %.40q", s)
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return out, fmt.Errorf(".npy header: expected ':' after %q", key)
		}
		rest = strings.TrimSpace(rest[1:])
		if seen[key] {
			return out, fmt.Errorf(".npy header names %q twice", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			v, r, ok := cutQuoted(rest)
			if !ok {
				return out, errors.New(".npy header: descr is not a string (structured arrays are not supported)")
			}
			out.descr, rest = v, r
		case "fortran_order":
			switch {
			case strings.HasPrefix(rest, "False"):
				rest = rest[len("False"):]
			case strings.HasPrefix(rest, "True"):
				return out, errors.New(".npy array is in Fortran order: save it with numpy.ascontiguousarray first")
			default:
				return out, errors.New(".npy header: fortran_order is not True or False")
			}
		case "shape":
			if !strings.HasPrefix(rest, "(") {
				return out, errors.New(".npy header: shape is not a tuple")
			}
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return out, errors.New(".npy header: shape tuple is not closed")
			}
			out.shape = []int64{}
			for _, f := range strings.Split(rest[1:end], ",") {
				f = strings.TrimSpace(f)
				if f == "" {
					continue
				}
				d, err := strconv.ParseInt(strings.TrimSuffix(f, "L"), 10, 64)
				if err != nil || d < 0 {
					return out, fmt.Errorf(".npy header: bad dimension %q", f)
				}
				out.shape = append(out.shape, d)
			}
			if len(out.shape) > 16 {
				return out, fmt.Errorf(".npy array of rank %d is over the limit of 16", len(out.shape))
			}
			rest = rest[end+1:]
		default:
			return out, fmt.Errorf(".npy header has an unknown key %q", key)
		}
		rest = strings.TrimSpace(rest)
		rest = strings.TrimPrefix(rest, ",")
		s = strings.TrimSpace(rest)
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return out, errors.New(".npy header lacks descr, fortran_order or shape")
	}
	d := out.descr
	if len(d) != 3 {
		return out, fmt.Errorf(".npy dtype %q is not supported (float32, float64, int8, uint8, int32 and int64 are)", d)
	}
	switch d[0] {
	case '<', '|':
	case '>':
		out.big = true
	default:
		return out, fmt.Errorf(".npy dtype %q has an unknown byte order", d)
	}
	out.kind = d[1]
	switch d[1:] {
	case "f4":
		out.width = 4
	case "f8":
		out.width = 8
	case "i1", "u1":
		out.width = 1
	case "i4":
		out.width = 4
	case "i8":
		out.width = 8
	default:
		return out, fmt.Errorf(".npy dtype %q is not supported (float32, float64, int8, uint8, int32 and int64 are)", d)
	}
	return out, nil
}

// cutQuoted reads a Python string literal in single or double quotes
// (without escapes) from the front of s.
func cutQuoted(s string) (string, string, bool) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	v := s[1 : 1+end]
	if strings.ContainsRune(v, '\\') {
		return "", s, false
	}
	return v, s[2+end:], true
}

// WriteNPY writes t as a version 1.0 .npy file in C order, little-endian.
func WriteNPY(t *onnxint.Tensor) ([]byte, error) {
	var descr string
	switch t.Type {
	case onnxint.Float:
		descr = "<f4"
	case onnxint.Int8:
		descr = "|i1"
	case onnxint.Uint8:
		descr = "|u1"
	case onnxint.Int32:
		descr = "<i4"
	case onnxint.Int64:
		descr = "<i8"
	default:
		return nil, fmt.Errorf("cannot write %s as .npy", t.Type)
	}
	var shape strings.Builder
	shape.WriteByte('(')
	for i, d := range t.Dims {
		if i > 0 {
			shape.WriteString(", ")
		}
		shape.WriteString(strconv.FormatInt(d, 10))
	}
	if len(t.Dims) == 1 {
		shape.WriteByte(',')
	}
	shape.WriteByte(')')
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape.String())
	// Pad with spaces so that magic, version, length and header end on a
	// multiple of 64 bytes, the last byte being a newline.
	total := 10 + len(hdr) + 1
	if pad := (64 - total%64) % 64; pad > 0 {
		hdr += strings.Repeat(" ", pad)
	}
	hdr += "\n"
	if len(hdr) > math.MaxUint16 {
		return nil, errors.New("shape too long for a .npy header")
	}
	var b bytes.Buffer
	b.Write(npyMagic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	b.WriteString(hdr)
	n := t.Len()
	for i := range n {
		switch t.Type {
		case onnxint.Float:
			binary.Write(&b, binary.LittleEndian, t.F[i])
		case onnxint.Int8, onnxint.Uint8:
			b.WriteByte(byte(t.I[i]))
		case onnxint.Int32:
			binary.Write(&b, binary.LittleEndian, t.I[i])
		case onnxint.Int64:
			binary.Write(&b, binary.LittleEndian, t.I64[i])
		}
	}
	return b.Bytes(), nil
}
