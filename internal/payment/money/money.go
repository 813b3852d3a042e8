// Package money is the amount of money the app counts in: pence. It is
// payment's (which owns prices, payments, refunds and charges) and apart
// from it only so that booking, which payment calls, can show an amount in
// its pages and emails without importing payment.
package money

import (
	"fmt"
	"strconv"
)

// Pence is an amount of money in pence (GBP).
type Pence int64

// String shows an amount as people write it: "£80", "£80.50", "£1,250".
func (p Pence) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	pounds := strconv.FormatInt(int64(p/100), 10)
	for i := len(pounds) - 3; i > 0; i -= 3 {
		pounds = pounds[:i] + "," + pounds[i:]
	}
	if p%100 == 0 {
		return sign + "£" + pounds
	}
	return fmt.Sprintf("%s£%s.%02d", sign, pounds, int64(p%100))
}

// Input shows an amount as a form field holds it: "80" or "80.50".
func (p Pence) Input() string {
	if p%100 == 0 {
		return strconv.FormatInt(int64(p/100), 10)
	}
	return fmt.Sprintf("%d.%02d", p/100, p%100)
}

// Free reports whether the amount is nothing.
func (p Pence) Free() bool { return p == 0 }
