// Package static embeds the files the app serves as they are: GOV.UK
// Frontend's CSS (compiled from its Sass in Arial by .ci/update-assets) and
// JavaScript in govuk/, and the app's own CSS, script and icon in app/.
//
// No font files and none of GOV.UK's crown images are embedded: the GDS
// Transport typeface and the crown are for services on GOV.UK only, and this
// service is not one (static_test.go checks). The app serves FS under the
// URL prefix /static/.
package static

import "embed"

// FS holds govuk/ and app/.
//
//go:embed govuk app
var FS embed.FS
