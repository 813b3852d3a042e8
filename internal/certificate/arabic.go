package certificate

import (
	"slices"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The PDF library draws the characters it is given, left to right, one glyph
// each: it neither joins Arabic letters nor lays right-to-left text out. So a
// name in Arabic script is prepared here: each letter becomes the form it
// takes beside its neighbours (Unicode's Arabic Presentation Forms-B, which
// DejaVu Sans draws), and each right-to-left run is put in the order it is
// seen. Text readers (pdftotext) turn both back into the letters as typed.

// arabicForms maps a letter to its presentation forms: isolated, final, and
// for letters that join on both sides, initial and medial.
var arabicForms = func() map[rune][]rune {
	forms := map[rune][]rune{}
	// Forms-B lists each letter's forms together, in that order. A form whose
	// compatibility decomposition is one letter belongs to that letter; the
	// marks and the lam-alef ligatures decompose to more and are left out.
	for r := rune(0xFE80); r <= 0xFEF4; r++ {
		base := []rune(norm.NFKC.String(string(r)))
		if len(base) != 1 || base[0] == r {
			continue
		}
		forms[base[0]] = append(forms[base[0]], r)
	}
	return forms
}()

// joinsBothSides says whether a letter joins the next one too (it has
// initial and medial forms).
func joinsBothSides(r rune) bool { return len(arabicForms[r]) == 4 }

// joins says whether a letter joins the one before it.
func joins(r rune) bool { return len(arabicForms[r]) >= 2 }

// shapeArabic gives each Arabic letter of s the form it takes between its
// neighbours. Marks (harakat) do not break a join.
func shapeArabic(s []rune) []rune {
	out := slices.Clone(s)
	letterAt := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(s); j += step {
			if unicode.Is(unicode.Mn, s[j]) {
				continue
			}
			return s[j]
		}
		return 0
	}
	for i, r := range s {
		f := arabicForms[r]
		if len(f) == 0 {
			continue
		}
		prev, next := letterAt(i, -1), letterAt(i, 1)
		fromPrev := joinsBothSides(prev) && joins(r)
		toNext := joinsBothSides(r) && joins(next)
		switch {
		case fromPrev && toNext:
			out[i] = f[3]
		case toNext:
			out[i] = f[2]
		case fromPrev:
			out[i] = f[1]
		default:
			out[i] = f[0]
		}
	}
	return out
}

// rtl says whether r is written right to left (Hebrew, Arabic and the
// scripts near them).
func rtl(r rune) bool {
	return unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko)
}

// strong says whether r sets a direction (a letter or a digit); spaces and
// punctuation take the direction around them.
func strong(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// visual returns a line of text in the order its characters are seen, with
// Arabic letters joined: a simple form of the Unicode bidirectional
// algorithm, enough for names and titles. A line whose first letter is
// right-to-left reads from the right, its left-to-right runs (Latin words,
// numbers) kept in their own order; otherwise each right-to-left run is
// turned round where it stands.
func visual(s string) string {
	rs := []rune(s)
	if !slices.ContainsFunc(rs, rtl) {
		return s
	}
	rs = shapeArabic(rs)
	// runs splits rs into maximal runs of one direction, neutrals between
	// two characters of the same direction going with them.
	type run struct {
		from, to int
		rtl      bool
	}
	var runs []run
	dir := func(i int) (bool, bool) { return rtl(rs[i]), strong(rs[i]) || rtl(rs[i]) }
	for i := range rs {
		d, isStrong := dir(i)
		if !isStrong {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].rtl == d {
			runs[n-1].to = i + 1
			continue
		}
		runs = append(runs, run{from: i, to: i + 1, rtl: d})
	}
	reverse := func(a []rune) { slices.Reverse(a) }
	firstRTL := len(runs) > 0 && runs[0].rtl
	if !firstRTL {
		for _, r := range runs {
			if r.rtl {
				reverse(rs[r.from:r.to])
			}
		}
		return string(rs)
	}
	// A right-to-left line: turn the whole line round, then put each
	// left-to-right run back in its own order.
	n := len(rs)
	reverse(rs)
	for _, r := range runs {
		if !r.rtl {
			reverse(rs[n-r.to : n-r.from])
		}
	}
	return string(rs)
}
