package validation

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCleanLine(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Sam Jones", CleanLine("  Sam\x00\tJones \r\n"))
	assert.Equal(t, "ab", CleanLine("a\xffb"))
	assert.Equal(t, "", CleanLine("\x00\x01"))
	assert.Equal(t, "first\nsecond", CleanText("first\r\nsecond\x00\x07"))
}

func TestErrors(t *testing.T) {
	t.Parallel()
	var v Errors
	assert.NoError(t, v.Err())
	v.Add("email", "Enter your email address")
	v.Add("email", "A second problem is not shown")
	assert.Equal(t, "Enter your email address", v.Message("email"))
	assert.Len(t, v.Fields, 1)
	assert.Error(t, v.Err())
}
