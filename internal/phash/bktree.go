package phash

// bkTree is a Burkhard–Keller tree over distinct hashes with Hamming
// distance. Each child hangs off its parent under the edge label
// d(parent, child); by the triangle inequality, every hash within r of a
// query q in the subtree under edge label k satisfies |d(q, parent) - k| ≤ r,
// so other subtrees are skipped.
type bkTree struct {
	root *bkNode
}

type bkNode struct {
	hash Hash64
	// children is indexed by edge distance 1..64 (0 is the node itself);
	// allocated on first use to keep leaves small.
	children *[65]*bkNode
}

// insert adds h unless a node for it already exists (possibly a tombstone).
func (t *bkTree) insert(h Hash64) {
	if t.root == nil {
		t.root = &bkNode{hash: h}
		return
	}
	n := t.root
	for {
		d := Distance(n.hash, h)
		if d == 0 {
			return
		}
		if n.children == nil {
			n.children = new([65]*bkNode)
		}
		next := n.children[d]
		if next == nil {
			n.children[d] = &bkNode{hash: h}
			return
		}
		n = next
	}
}

// search returns the hashes of all nodes within radius of q, tombstones
// included; the caller filters them out.
func (t *bkTree) search(q Hash64, radius int) []Hash64 {
	if t.root == nil {
		return nil
	}
	var out []Hash64
	stack := []*bkNode{t.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := Distance(n.hash, q)
		if d <= radius {
			out = append(out, n.hash)
		}
		if n.children == nil {
			continue
		}
		for k := max(1, d-radius); k <= min(64, d+radius); k++ {
			if c := n.children[k]; c != nil {
				stack = append(stack, c)
			}
		}
	}
	return out
}
