package phash

import "errors"

// Sentinel errors returned by this package; test them with errors.Is.
var (
	// ErrEmptyImage is returned for an image with no pixels.
	ErrEmptyImage = errors.New("phash: image has no pixels")
	// ErrTooLarge is returned for an image or file over the size caps.
	ErrTooLarge = errors.New("phash: image too large")
	// ErrUnsupportedFormat is returned for bytes that are not PNG, JPEG or GIF.
	ErrUnsupportedFormat = errors.New("phash: unsupported image format")
	// ErrCorrupt is returned when a recognised image fails to decode.
	ErrCorrupt = errors.New("phash: corrupt image")
	// ErrBadHash is returned by ParseHash for malformed text.
	ErrBadHash = errors.New("phash: malformed hash")
)
