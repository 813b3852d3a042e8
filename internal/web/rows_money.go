package web

import "html/template"

// moneyRowFuncs are the template functions that write the rows of invoicing and charges pages (rows_money.go) in Go, as rows.go
// does for the longest lists (issue 21).
var moneyRowFuncs = template.FuncMap{}
