package account_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pscp/booktraining/internal/account"
)

func TestReturnPathKeepsOnlyBookingForms(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]string{
		"/sessions/42/book":              "/sessions/42/book",
		"/invite/Ab3_-x":                 "/invite/Ab3_-x",
		"/sessions/0/book":               "",
		"/sessions/42/book/":             "",
		"/sessions/42/book?x=1":          "",
		"/sessions/42/cancel":            "",
		"/account":                       "",
		"//evil.example":                 "",
		"https://evil.example":           "",
		"/\\evil.example":                "",
		"/sessions/42/book\n":            "",
		"/invite/../account/delete":      "",
		"/sessions/1/book/../../account": "",
		"":                               "",
	} {
		assert.Equal(t, want, account.ReturnPath(p), "%q", p)
	}
}
