// Package views embeds the html/template files that render the app's pages.
//
// layouts/ holds the page layout (the template named "layout", a rendition
// of the GOV.UK Frontend page template), partials/ holds shared pieces such
// as the managers' layout and pagination, and pages/ holds one file per page,
// each defining the "main" block that the layout places inside <main>. The
// form fields and the error summary are functions written in Go
// (internal/web/fields.go), called from the pages: {{textInput (dict …)}}.
package views

import "embed"

// FS holds layouts/, partials/ and pages/.
//
//go:embed layouts partials pages
var FS embed.FS
