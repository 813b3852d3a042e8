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

func TestHiddenFormattingInNames(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"right-to-left override":  "Sam Jones\u202Eseno",
		"left-to-right embedding": "\u202ASam Jones",
		"pop directional":         "Sam\u202C Jones",
		"first strong isolate":    "Sam \u2068Jones\u2069",
		"right-to-left isolate":   "\u2067Sam Jones",
		"left-to-right mark":      "Sam\u200E Jones",
		"right-to-left mark":      "Sam\u200F Jones",
		"Arabic letter mark":      "Sam\u061C Jones",
		"zero-width space":        "Sam\u200BJones",
		"zero-width non-joiner":   "Sam\u200CJones",
		"zero-width joiner":       "Sam\u200DJones",
		"word joiner":             "Sam\u2060Jones",
		"byte order mark":         "\uFEFFSam Jones",
		"soft hyphen":             "Sam Jo\u00ADnes",
	}
	for name, s := range refused {
		assert.True(t, HasHiddenFormatting(s), name)
	}
	for _, s := range []string{"Sam Jones", "Siân O’Neill-Brown", "Zoë Ø. Łukasz", "محمد علي", "Nguyễn Thị Minh Khai", "李小龙", "Ade Okafor (Jnr)"} {
		assert.False(t, HasHiddenFormatting(s), s)
	}
	assert.Equal(t, "Full name must not contain hidden formatting characters", HiddenFormattingMessage("Full name"))
}

func TestCleanTextDropsInvisibleCharacters(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Wheelchair user\nneeds a ramp", CleanText("\u202EWheelchair\u200B user\u2066\u2069\r\nneeds\u200E a ramp\uFEFF\u2060\x00"))
	// The joiners are part of correct spelling in some scripts and stay.
	assert.Equal(t, "می\u200Cخواهم", CleanText("می\u200Cخواهم"))
	assert.Equal(t, "\U0001F469\u200D\u2695\uFE0F", CleanText("\U0001F469\u200D\u2695\uFE0F"))
}

func TestEmailRefusesHiddenFormatting(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "sam@example.org", Email(" sam@example.org "))
	for _, s := range []string{"sam\u200B@example.org", "sam@exa\u202Emple.org", "\uFEFFsam@example.org", "sam\u00AD@example.org"} {
		assert.Equal(t, "", Email(s), "%q", s)
	}
}
