package receiptlog

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strconv"

	"github.com/prova-network/prova/internal/receipt"
)

// memberEntries returns the stored bytes (receipt.Member.Canonical) of
// every member of a batch. Member.Canonical re-encodes the batch's root
// envelope for every member with reflection; here the root is encoded
// once and each member is written directly, which is most of the CPU a
// batch costs the log. The first member is compared with
// Member.Canonical, and any difference falls back to it for all, so the
// stored bytes are always exactly the receipt package's canonical form.
func memberEntries(ms []*receipt.Member) [][]byte {
	out := make([][]byte, len(ms))
	if len(ms) == 0 {
		return out
	}
	root := ms[0].Root.Canonical()
	// One buffer for all; each entry's capacity ends where it does.
	n := 0
	for _, m := range ms {
		n += memberLen(m, root)
	}
	buf := make([]byte, 0, n)
	for i, m := range ms {
		start := len(buf)
		buf = appendMember(buf, m, root)
		out[i] = buf[start:len(buf):len(buf)]
	}
	if !bytes.Equal(out[0], ms[0].Canonical()) {
		for i, m := range ms {
			out[i] = m.Canonical()
		}
	}
	return out
}

// memberLen bounds the length of appendMember's output.
func memberLen(m *receipt.Member, root []byte) int {
	return 64 + base64.StdEncoding.EncodedLen(len(m.Statement)) + len(m.Proof)*67 + len(root)
}

// appendMember writes {"statement":..,"index":..,"proof":[..],"root":..}
// as encoding/json writes receipt's wireMember: base64 and lower-case hex
// need no escaping.
func appendMember(dst []byte, m *receipt.Member, root []byte) []byte {
	dst = append(dst, `{"statement":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, m.Statement)
	dst = append(dst, `","index":`...)
	dst = strconv.AppendUint(dst, m.Index, 10)
	dst = append(dst, `,"proof":[`...)
	for i, h := range m.Proof {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = hex.AppendEncode(dst, h)
		dst = append(dst, '"')
	}
	dst = append(dst, `],"root":`...)
	dst = append(dst, root...)
	return append(dst, '}')
}
