package password

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Length limits, counted in characters (Unicode code points), not bytes.
const (
	MinLength = 12
	MaxLength = 128
)

// Messages a PolicyError carries, worded for a GOV.UK error message.
const (
	msgTooShort = "Password must be 12 characters or more"
	msgTooLong  = "Password must be 128 characters or fewer"
	msgRepeated = "Choose a password that is harder to guess: it must not be the same character repeated"
	msgPersonal = "Choose a password that does not include your name or email address"
	msgCommon   = "Choose a password that is harder to guess: this one is on a list of common passwords"
)

// minTermRunes is the shortest context term Check looks for.
const minTermRunes = 4

// PolicyError says why a password was refused. Message can be shown to the
// person as it is.
type PolicyError struct {
	Message string
}

func (e *PolicyError) Error() string { return e.Message }

// Check applies the password policy to plain, a password someone wants to
// set. It returns nil if the password is acceptable, or a *PolicyError.
//
// The policy (ASVS v4 2.1; NIST SP 800-63B): from MinLength to MaxLength
// characters; any characters, spaces included, and no composition rules;
// not one character repeated; not including any of context (the person's
// name, email address and the like: each compared case-insensitively, and
// only when 4 characters or longer; an email address also counts by its
// local part, and names and local parts also by their words split at spaces,
// dots, hyphens, underscores and plus signs); and not a common password.
//
// A password is common when, lower-cased and with surrounding spaces trimmed,
// it is on the shipped list, or when it is a listed password with only
// digits, punctuation, symbols or spaces added before or after it
// ("Password1234", "qwertyuiop123!"). Nothing is normalised in the password
// itself: these are only ways of comparing.
func Check(plain string, context ...string) error {
	n := utf8.RuneCountInString(plain)
	switch {
	case n < MinLength:
		return &PolicyError{Message: msgTooShort}
	case n > MaxLength:
		return &PolicyError{Message: msgTooLong}
	}
	lower := strings.ToLower(plain)
	if oneRepeated(lower) {
		return &PolicyError{Message: msgRepeated}
	}
	for _, term := range contextTerms(context) {
		if strings.Contains(lower, term) {
			return &PolicyError{Message: msgPersonal}
		}
	}
	if isCommon(lower) {
		return &PolicyError{Message: msgCommon}
	}
	return nil
}

// oneRepeated reports whether s is a single character, repeated.
func oneRepeated(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

// contextTerms turns the context strings into lower-cased terms that a
// password must not contain.
func contextTerms(context []string) []string {
	var terms []string
	add := func(t string) {
		if utf8.RuneCountInString(t) >= minTermRunes {
			terms = append(terms, t)
		}
	}
	for _, c := range context {
		c = strings.ToLower(strings.TrimSpace(c))
		add(c)
		local := c
		if at := strings.LastIndexByte(c, '@'); at >= 0 {
			local = c[:at]
			add(local)
		}
		for _, w := range strings.FieldsFunc(local, func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune("._-+", r)
		}) {
			add(w)
		}
	}
	return terms
}

// decor reports whether r is the kind of character people add before or
// after a common password to get past rules.
func decor(r rune) bool {
	return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
}

// isCommon reports whether lower (a lower-cased password) is a common
// password, or one with only digits, punctuation, symbols or spaces added
// before or after it.
func isCommon(lower string) bool {
	set := commonSet()
	s := strings.TrimSpace(lower)
	// Try s[i:j] for every i with only decor before it and every j with only
	// decor after it, so that listed passwords which themselves start or end
	// with digits ("trustno1", "1qaz2wsx3edc", "12345678") are found too.
	starts := []int{0}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !decor(r) {
			break
		}
		i += size
		starts = append(starts, i)
	}
	ends := []int{len(s)}
	for j := len(s); j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		if !decor(r) {
			break
		}
		j -= size
		ends = append(ends, j)
	}
	for _, i := range starts {
		for _, j := range ends {
			if i < j {
				if _, ok := set[s[i:j]]; ok {
					return true
				}
			}
		}
	}
	return false
}

//go:embed common-passwords.txt
var commonText string

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

// commonSet returns the shipped common passwords, parsed on first use.
func commonSet() map[string]struct{} {
	commonOnce.Do(func() {
		lines := strings.Split(strings.TrimSuffix(commonText, "\n"), "\n")
		common = make(map[string]struct{}, len(lines))
		for _, l := range lines {
			if l != "" {
				common[l] = struct{}{}
			}
		}
	})
	return common
}
