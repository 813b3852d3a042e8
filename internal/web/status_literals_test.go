package web_test

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/views"
)

// A template compares a status with a word the compiler cannot check: each
// such word is one of the database's statuses (a misspelt one would make a
// branch silently never run), and the templates do compare some.
func TestTemplatesCompareStatusesWithRealOnes(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, s := range booking.Statuses {
		known[string(s)] = true
	}
	for _, s := range catalogue.SessionStatuses {
		known[string(s)] = true
	}
	// Charges and training requests have statuses of their own, still text
	// checked by their tables' CHECKs.
	for _, s := range []string{"proposed", "invoiced", "paid", "waived", "submitted", "info_requested", "accepted", "declined"} {
		known[s] = true
	}
	compare := regexp.MustCompile(`\b(?:eq|ne) \S*Status((?: "[^"]*")+)`)
	word := regexp.MustCompile(`"([^"]*)"`)
	seen := 0
	err := fs.WalkDir(views.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(views.FS, path)
		if err != nil {
			return err
		}
		for _, m := range compare.FindAllStringSubmatch(string(b), -1) {
			for _, w := range word.FindAllStringSubmatch(m[1], -1) {
				seen++
				assert.True(t, known[w[1]], "%s compares a status with %q, which is not one", path, w[1])
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, seen, 20, "the templates' status comparisons were not found")
}
