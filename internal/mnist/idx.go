package mnist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// IDX element type codes (the third byte of an IDX file's magic number).
const (
	IDXUint8   byte = 0x08
	IDXInt8    byte = 0x09
	IDXInt16   byte = 0x0B
	IDXInt32   byte = 0x0C
	IDXFloat32 byte = 0x0D
	IDXFloat64 byte = 0x0E
)

// Limits on what the IDX reader accepts. MNIST's largest file (the training
// images) holds 47,040,000 data bytes in 3 dimensions.
const (
	// MaxIDXDims is the largest number of dimensions accepted.
	MaxIDXDims = 8
	// MaxIDXData is the largest data section accepted, in bytes.
	MaxIDXData = 1 << 28
)

// ErrIDX is wrapped by every error about a malformed or oversized IDX file.
var ErrIDX = errors.New("mnist: bad IDX file")

// IDX is a decoded IDX file: its element type code, its dimensions and its
// data section, kept as the file's bytes (big-endian elements, row-major).
type IDX struct {
	Type byte
	Dims []int
	Data []byte
}

// idxElemSize returns the width in bytes of an IDX element type, or 0 for an
// unknown code.
func idxElemSize(t byte) int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

func idxErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIDX, fmt.Sprintf(format, args...))
}

// parseIDXHeader checks the 4-byte magic and returns the element type and
// the number of dimensions.
func parseIDXHeader(h []byte) (typ byte, ndims int, err error) {
	if h[0] != 0 || h[1] != 0 {
		return 0, 0, idxErr("magic starts with %#02x %#02x, not two zero bytes", h[0], h[1])
	}
	typ, ndims = h[2], int(h[3])
	if idxElemSize(typ) == 0 {
		return 0, 0, idxErr("unknown element type %#02x", typ)
	}
	if ndims == 0 || ndims > MaxIDXDims {
		return 0, 0, idxErr("%d dimensions (1 to %d accepted)", ndims, MaxIDXDims)
	}
	return typ, ndims, nil
}

// idxDataSize returns the size in bytes of the data section that dims of
// elements of type typ take, refusing sizes above MaxIDXData.
func idxDataSize(typ byte, dims []int) (int, error) {
	n := idxElemSize(typ)
	for _, d := range dims {
		if d < 0 {
			return 0, idxErr("negative dimension %d", d)
		}
		if d != 0 && n > MaxIDXData/d {
			return 0, idxErr("data of dimensions %v exceeds %d bytes", dims, MaxIDXData)
		}
		n *= d
	}
	return n, nil
}

// ParseIDX decodes an uncompressed IDX file held in b. The data section must
// be exactly as long as the dimensions say. The returned Data aliases b.
func ParseIDX(b []byte) (*IDX, error) {
	if len(b) < 4 {
		return nil, idxErr("%d bytes, shorter than the 4-byte magic", len(b))
	}
	typ, ndims, err := parseIDXHeader(b[:4])
	if err != nil {
		return nil, err
	}
	hdr := 4 + 4*ndims
	if len(b) < hdr {
		return nil, idxErr("%d bytes, shorter than the %d-byte header", len(b), hdr)
	}
	dims := make([]int, ndims)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(b[4+4*i:]))
	}
	size, err := idxDataSize(typ, dims)
	if err != nil {
		return nil, err
	}
	if got := len(b) - hdr; got != size {
		return nil, idxErr("data section of %d bytes, dimensions %v need %d", got, dims, size)
	}
	return &IDX{Type: typ, Dims: dims, Data: b[hdr:]}, nil
}

// ReadIDX decodes an IDX file from r, which may be gzip-compressed (as the
// files MNIST is distributed in are): a stream starting with the gzip magic
// is decompressed first. The data section must be exactly as long as the
// dimensions say; nothing may follow it.
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, idxErr("gzip: %v", err)
		}
		defer zr.Close()
		// One member only: a second concatenated member would be trailing data.
		zr.Multistream(false)
		x, err := readIDXRaw(zr)
		if err != nil {
			return nil, err
		}
		if _, err := br.ReadByte(); err != io.EOF {
			return nil, idxErr("data after the gzip stream")
		}
		return x, nil
	}
	return readIDXRaw(br)
}

func readIDXRaw(r io.Reader) (*IDX, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, idxErr("reading magic: %v", err)
	}
	typ, ndims, err := parseIDXHeader(h[:])
	if err != nil {
		return nil, err
	}
	db := make([]byte, 4*ndims)
	if _, err := io.ReadFull(r, db); err != nil {
		return nil, idxErr("reading dimensions: %v", err)
	}
	dims := make([]int, ndims)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(db[4*i:]))
	}
	size, err := idxDataSize(typ, dims)
	if err != nil {
		return nil, err
	}
	// Read through a limit rather than allocating size bytes up front, so a
	// short file claiming a large data section costs only what it holds.
	data, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return nil, idxErr("reading %d data bytes of dimensions %v: %v", size, dims, err)
	}
	if len(data) != size {
		return nil, idxErr("data section of %d bytes, dimensions %v need %d", len(data), dims, size)
	}
	var one [1]byte
	switch n, err := io.ReadFull(r, one[:]); {
	case n > 0:
		return nil, idxErr("trailing bytes after the %d-byte data section", size)
	case err != io.EOF:
		return nil, idxErr("after the data section: %v", err)
	}
	return &IDX{Type: typ, Dims: dims, Data: data}, nil
}

// Encode returns x in the IDX file format (uncompressed). It fails if the
// type, dimensions or data length are not a valid IDX file.
func (x *IDX) Encode() ([]byte, error) {
	if idxElemSize(x.Type) == 0 {
		return nil, idxErr("unknown element type %#02x", x.Type)
	}
	if len(x.Dims) == 0 || len(x.Dims) > MaxIDXDims {
		return nil, idxErr("%d dimensions (1 to %d accepted)", len(x.Dims), MaxIDXDims)
	}
	for _, d := range x.Dims {
		if d < 0 || uint64(d) > 0xffffffff {
			return nil, idxErr("dimension %d does not fit 32 bits", d)
		}
	}
	size, err := idxDataSize(x.Type, x.Dims)
	if err != nil {
		return nil, err
	}
	if len(x.Data) != size {
		return nil, idxErr("data of %d bytes, dimensions %v need %d", len(x.Data), x.Dims, size)
	}
	var buf bytes.Buffer
	buf.Grow(4 + 4*len(x.Dims) + size)
	buf.Write([]byte{0, 0, x.Type, byte(len(x.Dims))})
	for _, d := range x.Dims {
		buf.Write(binary.BigEndian.AppendUint32(nil, uint32(d)))
	}
	buf.Write(x.Data)
	return buf.Bytes(), nil
}
