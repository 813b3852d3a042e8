package certificate

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Arabic letters take their joined forms and right-to-left runs are turned
// round; Latin text is left alone.
func TestVisualOrder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Ŵyn Łukasz Żółć", "Ŵyn Łukasz Żółć"},
		// محمد: meem (initial), hah (medial), meem (medial), dal (final),
		// drawn from the right.
		{"محمد", "\uFEAA\uFEE4\uFEA4\uFEE3"},
		// Dal joins only to the letter before it: the next letter starts
		// afresh. بد ب: beh initial, dal final, space, beh isolated.
		{"بد ب", "\uFE8F \uFEAA\uFE91"},
		// A right-to-left line keeps its Latin run in its own order.
		{"محمد Jones", "Jones \uFEAA\uFEE4\uFEA4\uFEE3"},
		// A left-to-right line turns only its Arabic run round.
		{"Sam محمد Jones", "Sam \uFEAA\uFEE4\uFEA4\uFEE3 Jones"},
	} {
		assert.Equal(t, c.want, visual(c.in), c.in)
	}
}
