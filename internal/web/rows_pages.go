package web

import "html/template"

// pageRowFuncs are the template functions that write the rows of the agency figures, organisation, courses and person pages (rows_pages.go) in Go, as rows.go
// does for the longest lists (issue 21).
var pageRowFuncs = template.FuncMap{}
