// Package phash computes perceptual hashes of images and keeps a node-local
// index for near-duplicate lookups by Hamming distance.
//
// A perceptual hash is a soft binding: two images whose hashes are close
// probably show the same picture after re-encoding, resizing or a small
// brightness change. It is a hint for a lookup, never a proof of identity;
// exact identity is established with cryptographic digests elsewhere.
//
// # Algorithm (Algorithm, "prova-phash-dct-v1:luma16:box32x32:idct2q20:ac8x8:median")
//
//  1. Luminance: every pixel is read as 16-bit premultiplied RGBA (what
//     image.Image.At returns) and converted with the BT.601 integer weights
//     used by image/color.Gray16Model: Y = (19595 R + 38470 G + 7471 B + 2^15) >> 16.
//     Transparent pixels therefore count as black.
//  2. Resize to 32×32 with an exact area-averaging (box) filter: each output
//     pixel is the mean of the source area it covers, where partially covered
//     source pixels contribute in proportion to the covered area. Coverage is
//     computed in units of 1/32 of a source pixel, so every weight is an
//     integer and the mean is an integer division rounded to nearest.
//  3. 2-D DCT-II (unnormalised) of the 32×32 block, computed separably in
//     fixed point with a cosine table scaled by 2^20 (cosTableQ20).
//  4. The 8×8 low-frequency block u, v ∈ [1, 8] is kept: starting at 1
//     drops the DC term (mean brightness, which says nothing about the
//     picture's structure) and leaves exactly 64 AC terms for 64 bits.
//  5. Each bit is 1 when its coefficient is above the median of the 64
//     (the mean of the 32nd and 33rd smallest), else 0. Bit i (LSB = 0)
//     belongs to the coefficient (v, u) = (1 + i/8, 1 + i%8).
//
// # Determinism
//
// Everything after decoding is integer arithmetic: luminance, box filter,
// DCT and median. The only transcendental values, cos(jπ/64), are pinned as
// integer constants (checked against math.Cos in a test), so no result depends
// on the platform's floating-point unit, FMA contraction or math library.
// Decoding itself uses the standard library's PNG, JPEG and GIF decoders,
// which are integer-only as well. The same bytes therefore give the same hash
// on every platform, and the Algorithm tag is recorded on chain next to it;
// any change to the steps above must change the tag.
package phash
