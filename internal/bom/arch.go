package bom

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// DTypeCount is how many tensors of a model have one element type.
type DTypeCount struct {
	DType   string
	Tensors int
}

// ArchSummary writes the one-line description of a model's weights that is
// registered on chain (ModelInfo.arch_summary), at most maxLen bytes:
//
//	llama, Q4_K_M, 291 tensors, F32×65, Q4_K×193, Q6_K×33
//
// the architecture name and the GGUF file type when known, the tensor
// count, then every element type with its tensor count, in the order
// given. Nothing is dropped silently: when the element types do not fit,
// the last ones give way to "+N more dtypes" (or "…" where not even that
// fits, and a head too long for maxLen is cut and ends in "…"). Only a cap
// too small for any mark after the tensor count leaves the types out. Commas are removed from the
// architecture name and file type, since they separate the parts; so the
// name ArchitectureFromSummary reads back is the one written.
func ArchSummary(arch, fileType string, tensors int, dtypes []DTypeCount, maxLen int) string {
	var head []string
	for _, p := range []string{arch, fileType} {
		if p = strings.TrimSpace(strings.ReplaceAll(p, ",", "")); p != "" {
			head = append(head, p)
		}
	}
	head = append(head, fmt.Sprintf("%d tensors", tensors))
	parts := make([]string, len(dtypes))
	for i, d := range dtypes {
		parts[i] = fmt.Sprintf("%s×%d", d.DType, d.Tensors)
	}
	for kept := len(parts); kept >= 0; kept-- {
		all := append(append([]string(nil), head...), parts[:kept]...)
		if kept < len(parts) {
			all = append(all, fmt.Sprintf("+%d more dtypes", len(parts)-kept))
		}
		if s := strings.Join(all, ", "); len(s) <= maxLen {
			return s
		}
	}
	s := strings.Join(head, ", ")
	switch {
	case len(dtypes) > 0 && len(s)+len(", …") <= maxLen:
		return s + ", …" // not even the count of the rest fits
	case len(s) <= maxLen:
		return s // a cap that leaves no room for any mark of the rest
	}
	// Even the head does not fit (an absurdly long architecture name): cut
	// it at a rune boundary and say so with "…".
	if len(dtypes) > 0 {
		s += fmt.Sprintf(", +%d more dtypes", len(dtypes))
	}
	const ellipsis = "…"
	if maxLen < len(ellipsis) {
		return ""
	}
	cut := maxLen - len(ellipsis) // < len(s): s did not fit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// tensorCountPart is the part of a summary that counts tensors (possibly
// cut short by ArchSummary: "9 tensors,…").
var tensorCountPart = regexp.MustCompile(`^[0-9]+ tensors($|,?…$)`)

// ArchitectureFromSummary reads the architecture name back from a summary
// written by ArchSummary (or by older provad versions, which wrote the same
// head): the first part before the tensor count that has a lower-case
// letter. GGUF file types ("Q4_K_M", "F16") have none, and architecture
// names ("llama", "gpt2", "LlamaForCausalLM") do. A summary without a
// tensor count is free text and names no architecture: the result is "".
func ArchitectureFromSummary(summary string) string {
	parts := strings.Split(summary, ", ")
	for i, p := range parts {
		if tensorCountPart.MatchString(p) {
			for _, h := range parts[:i] {
				if strings.ContainsFunc(h, func(r rune) bool { return 'a' <= r && r <= 'z' }) && !strings.Contains(h, "×") {
					return h
				}
			}
			return ""
		}
	}
	return ""
}
