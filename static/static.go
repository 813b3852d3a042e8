// Package static embeds the files the app serves as they are: the compiled
// GOV.UK Frontend CSS, JavaScript, fonts and images in govuk/ (refreshed by
// .ci/update-assets) and the app's own scripts in app/.
//
// The app serves FS under the URL prefix /static/, and also serves
// govuk/assets/ under /assets/, because the compiled GOV.UK Frontend CSS
// refers to its fonts and images as /assets/fonts/... and /assets/images/....
package static

import "embed"

// FS holds govuk/ and app/.
//
//go:embed govuk app
var FS embed.FS
