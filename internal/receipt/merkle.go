package receipt

import "github.com/transparency-dev/merkle/rfc6962"

// tree holds every level of the RFC 6962 Merkle tree over a batch's leaf
// hashes. Building level by level and carrying an unpaired last node up
// unchanged gives exactly RFC 6962's tree, which splits at the largest power
// of two below the size, in O(n) hashes; inclusion proofs are then lookups.
type tree struct {
	levels [][][]byte // levels[0] = leaf hashes; last level = [root]
}

func newTree(leaves [][]byte) *tree {
	t := &tree{levels: [][][]byte{leaves}}
	for cur := leaves; len(cur) > 1; {
		next := make([][]byte, 0, (len(cur)+1)/2)
		for i := 0; i+1 < len(cur); i += 2 {
			next = append(next, rfc6962.DefaultHasher.HashChildren(cur[i], cur[i+1]))
		}
		if len(cur)%2 == 1 {
			next = append(next, cur[len(cur)-1])
		}
		t.levels = append(t.levels, next)
		cur = next
	}
	return t
}

// root is the tree hash; the empty tree's is SHA-256 of nothing.
func (t *tree) root() []byte {
	top := t.levels[len(t.levels)-1]
	if len(top) == 0 {
		return rfc6962.DefaultHasher.EmptyRoot()
	}
	return top[0]
}

// proof is the inclusion proof of leaf i, siblings from the leaf upwards,
// as RFC 6962 and transparency-dev/merkle order them.
func (t *tree) proof(i int) [][]byte {
	var path [][]byte
	for _, level := range t.levels[:len(t.levels)-1] {
		if sib := i ^ 1; sib < len(level) {
			path = append(path, level[sib])
		}
		i /= 2
	}
	return path
}
