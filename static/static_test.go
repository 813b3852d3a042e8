package static_test

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/static"
)

// fontMagic are the first bytes of WOFF, WOFF2, TrueType, OpenType and
// TrueType collection files, so a font is found whatever it is called.
var fontMagic = [][]byte{
	[]byte("wOFF"), []byte("wOF2"), {0x00, 0x01, 0x00, 0x00}, []byte("OTTO"), []byte("true"), []byte("ttcf"),
}

var fontExtensions = map[string]bool{".woff": true, ".woff2": true, ".ttf": true, ".otf": true, ".eot": true}

// The GDS Transport typeface is licensed for services on GOV.UK only, and
// this service is not one: nothing the binary serves may carry it or name it.
func TestNoGOVUKTypefaceIsEmbedded(t *testing.T) {
	t.Parallel()
	var files []string
	err := fs.WalkDir(static.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, name)
		b, err := fs.ReadFile(static.FS, name)
		if err != nil {
			return err
		}
		assert.False(t, fontExtensions[strings.ToLower(path.Ext(name))], "%s is a font file", name)
		for _, magic := range fontMagic {
			assert.False(t, bytes.HasPrefix(b, magic), "%s starts like a font file (%q)", name, magic)
		}
		assert.False(t, strings.Contains(strings.ToLower(string(b)), "gds transport"), "%s names GDS Transport", name)
		// Nor the crown: GOV.UK's favicons, touch icons and crest.
		base := strings.ToLower(path.Base(name))
		assert.False(t, strings.HasPrefix(base, "govuk-") && !strings.HasPrefix(base, "govuk-frontend"), "%s is a GOV.UK image", name)
		assert.NotEqual(t, "favicon.ico", base, "%s: GOV.UK's crown favicon", name)
		return nil
	})
	require.NoError(t, err)
	// The walk saw the files that matter, so it cannot pass by seeing nothing.
	assert.Contains(t, files, "govuk/govuk-frontend.min.css")
	assert.Contains(t, files, "govuk/govuk-frontend.min.js")
	assert.Contains(t, files, "app/app.css")
	assert.Contains(t, files, "app/icon.svg", "the app's own icon")
}

// The compiled CSS uses the Arial/Helvetica stack and declares no font of
// its own, and still holds the components the pages use.
func TestGOVUKFrontendCSSIsInArial(t *testing.T) {
	t.Parallel()
	b, err := fs.ReadFile(static.FS, "govuk/govuk-frontend.min.css")
	require.NoError(t, err)
	css := string(b)
	// strings.Contains, not assert.Contains: a failure should not print the
	// whole stylesheet.
	assert.True(t, strings.Contains(css, "font-family:arial,helvetica,sans-serif"), "the CSS does not use Arial")
	assert.False(t, strings.Contains(css, "@font-face"), "the CSS declares a font")
	assert.False(t, strings.Contains(css, "/assets/fonts/"), "the CSS refers to font files")
	for _, class := range []string{
		".govuk-template", ".govuk-header", ".govuk-footer", ".govuk-service-navigation", ".govuk-button",
		".govuk-error-summary", ".govuk-input", ".govuk-table", ".govuk-summary-list", ".govuk-tag",
	} {
		assert.True(t, strings.Contains(css, class+"{"), "the CSS has no %s rule", class)
	}
}
