package migrate

import (
	"bytes"
	"hash/fnv"
	"sort"
)

// digestBag is a multiset of message digests kept compactly (16 bytes a
// message): the journal holds one per source mailbox and one per
// destination mailbox, so that resuming a store of millions of messages
// costs tens of megabytes, not hundreds.
type digestBag struct {
	ds   []digest // sorted
	tail []digest // added since the last sort
}

func (b *digestBag) add(d digest) { b.tail = append(b.tail, d) }

func (b *digestBag) len() int {
	if b == nil {
		return 0
	}
	return len(b.ds) + len(b.tail)
}

// settle sorts what was added into ds. It must not run while a view of the
// bag is in use (views index ds).
func (b *digestBag) settle() {
	if len(b.tail) == 0 {
		return
	}
	b.ds = append(b.ds, b.tail...)
	b.tail = nil
	sort.Slice(b.ds, func(i, j int) bool { return bytes.Compare(b.ds[i][:], b.ds[j][:]) < 0 })
}

// first returns the index in ds of the first copy of d, or -1. Digests
// still in the tail are not seen.
func (b *digestBag) first(d digest) int {
	if b == nil {
		return -1
	}
	i := sort.Search(len(b.ds), func(i int) bool { return bytes.Compare(b.ds[i][:], d[:]) >= 0 })
	if i < len(b.ds) && b.ds[i] == d {
		return i
	}
	return -1
}

// has reports whether the bag held d when it was last settled.
func (b *digestBag) has(d digest) bool { return b.first(d) >= 0 }

// bagView consumes the digests of a bag one copy at a time, leaving the
// bag itself untouched (each run starts with a fresh view). Digests added
// to the bag after the view was made are not part of it.
type bagView struct {
	ds   []digest
	used []uint64 // one bit per entry of ds
}

// view settles the bag and returns a view of what it holds now.
func (b *digestBag) view() *bagView {
	b.settle()
	return &bagView{ds: b.ds[:len(b.ds):len(b.ds)]}
}

func (v *bagView) len() int { return len(v.ds) }

// take consumes one copy of d; it reports false when none is left.
func (v *bagView) take(d digest) bool {
	i := sort.Search(len(v.ds), func(i int) bool { return bytes.Compare(v.ds[i][:], d[:]) >= 0 })
	if i >= len(v.ds) || v.ds[i] != d {
		return false
	}
	if v.used == nil {
		v.used = make([]uint64, (len(v.ds)+63)/64)
	}
	for ; i < len(v.ds) && v.ds[i] == d; i++ {
		if v.used[i/64]&(1<<(i%64)) == 0 {
			v.used[i/64] |= 1 << (i % 64)
			return true
		}
	}
	return false
}

// idSet is a set of Message-IDs kept as 64-bit hashes.
type idSet map[uint64]struct{}

func idHash(mid string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(mid))
	return h.Sum64()
}

func (s idSet) add(mid string) { s[idHash(mid)] = struct{}{} }

func (s idSet) has(mid string) bool {
	_, ok := s[idHash(mid)]
	return ok
}
