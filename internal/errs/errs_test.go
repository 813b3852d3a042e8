package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pscp/booktraining/internal/errs"
)

type refusal struct{}

func (refusal) Error() string   { return "session full" }
func (refusal) Kind() errs.Kind { return errs.Conflict }

func TestKindOfFollowsTheChain(t *testing.T) {
	t.Parallel()
	notFound := errs.New(errs.NotFound, "booking not found")
	cases := []struct {
		err  error
		want errs.Kind
	}{
		{nil, errs.Internal},
		{errors.New("disk full"), errs.Internal},
		{notFound, errs.NotFound},
		{fmt.Errorf("cancel 7: %w", notFound), errs.NotFound},
		{fmt.Errorf("book: %w", refusal{}), errs.Conflict},
		{fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", errs.Says(errs.Invalid, "Enter a date"))), errs.Invalid},
	}
	for _, c := range cases {
		if got := errs.KindOf(c.err); got != c.want {
			t.Errorf("KindOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", notFound), notFound) {
		t.Error("a wrapped sentinel is no longer itself")
	}
}

func TestOnlySaysGivesAPublicMessage(t *testing.T) {
	t.Parallel()
	if _, ok := errs.PublicMessage(errs.New(errs.Conflict, "row 7 locked by pid 42")); ok {
		t.Error("a message for logs was offered to the person asking")
	}
	msg, ok := errs.PublicMessage(fmt.Errorf("move: %w", errs.Says(errs.Conflict, "This session has already started.")))
	if !ok || msg != "This session has already started." {
		t.Errorf("PublicMessage = %q, %v", msg, ok)
	}
}
