package london

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A zone that cannot be loaded stops the program as it starts, rather than
// leaving times to be read and shown in UTC.
func TestMustLoadPanics(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, `london: load Europe/Atlantis: unknown time zone Europe/Atlantis`, func() { mustLoad("Europe/Atlantis") })
}
