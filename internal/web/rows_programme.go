package web

import "html/template"

// programmeRowFuncs are the template functions that write the rows of the programme and training request pages (rows_programme.go) in Go, as rows.go
// does for the longest lists (issue 21).
var programmeRowFuncs = template.FuncMap{}
