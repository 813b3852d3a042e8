// Package static embeds the files the app serves as they are: GOV.UK
// Frontend's CSS (compiled from its Sass in Arial by .ci/update-assets),
// JavaScript and images in govuk/, and the app's own CSS and script in app/.
//
// No font files are embedded: the GDS Transport typeface is licensed for
// services on GOV.UK only, and this service is not one (static_test.go
// checks).
//
// The app serves FS under the URL prefix /static/, and also serves
// govuk/assets/ under /assets/, because the compiled GOV.UK Frontend CSS
// refers to its images as /assets/images/....
package static

import "embed"

// FS holds govuk/ and app/.
//
//go:embed govuk app
var FS embed.FS
