package migrate

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDigestBagMultiset(t *testing.T) {
	d := func(b byte) digest { return digest{b} }
	bag := &digestBag{}
	for _, b := range []byte{3, 1, 2, 1, 1} {
		bag.add(d(b))
	}
	v := bag.view()
	assert.Equal(t, 5, v.len())
	// added after the view: not part of it, and the view stays valid
	bag.add(d(0))
	bag.add(d(1))
	assert.True(t, v.take(d(1)))
	assert.True(t, v.take(d(1)))
	assert.True(t, v.take(d(1)))
	assert.False(t, v.take(d(1)), "three copies, not four")
	assert.False(t, v.take(d(0)))
	assert.True(t, v.take(d(3)))
	assert.False(t, v.take(d(9)))
	// a fresh view sees everything again, the later additions included
	w := bag.view()
	assert.Equal(t, 7, w.len())
	for i := 0; i < 4; i++ {
		assert.True(t, w.take(d(1)))
	}
	assert.True(t, w.take(d(0)))
	assert.True(t, bag.has(d(2)))
	assert.False(t, bag.has(d(7)))
}
