// Package errs is the one vocabulary of errors the domain packages share.
// A domain error carries a Kind (not found, forbidden, conflict, invalid,
// unavailable); the web app maps each kind to a status and a page once, so no
// handler inspects a domain error only to choose a status.
//
// Declare a package's sentinel errors with New:
//
//	var ErrNotFound = errs.New(errs.NotFound, "booking not found")
//
// and wrap them as usual (fmt.Errorf("cancel %d: %w", id, ErrNotFound)). A
// richer error type declares its kind with a Kind() method.
package errs

import "errors"

// Kind is what went wrong, as the person asking should be told it.
type Kind int

const (
	// Internal is a fault of the service: every error without a kind.
	Internal Kind = iota
	// NotFound: no such thing, or not one this person may know exists.
	NotFound
	// Forbidden: it exists, and this person may not do this to it.
	Forbidden
	// Conflict: the thing's state does not allow this now (already
	// cancelled, already started, changed by someone else meanwhile).
	Conflict
	// Invalid: the request itself is wrong, whatever the state.
	Invalid
	// Unavailable: something the service relies on (Stripe, email) cannot
	// be reached; trying again later may work.
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case NotFound:
		return "not found"
	case Forbidden:
		return "forbidden"
	case Conflict:
		return "conflict"
	case Invalid:
		return "invalid"
	case Unavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// Error is a domain error of a kind.
type Error struct {
	kind    Kind
	message string
	public  bool
}

func (e *Error) Error() string { return e.message }

// Kind is e's kind.
func (e *Error) Kind() Kind { return e.kind }

// New returns an error of kind whose message is for developers and logs.
func New(kind Kind, message string) *Error { return &Error{kind: kind, message: message} }

// Says returns an error of kind whose message is written for the person
// asking: the page that answers their request shows it as the reason.
func Says(kind Kind, message string) *Error {
	return &Error{kind: kind, message: message, public: true}
}

// kinded is any error that knows its kind: *Error, or a domain package's own
// error type with a Kind method.
type kinded interface {
	error
	Kind() Kind
}

// KindOf returns the kind of the first error in err's chain that has one;
// Internal when none does (or err is nil).
func KindOf(err error) Kind {
	var k kinded
	if errors.As(err, &k) {
		return k.Kind()
	}
	return Internal
}

// Is reports whether err is of kind.
func Is(err error, kind Kind) bool { return KindOf(err) == kind }

// PublicMessage returns the reason err gives the person asking, if it
// gives one (an error made with Says).
func PublicMessage(err error) (string, bool) {
	var e *Error
	if errors.As(err, &e) && e.public {
		return e.message, true
	}
	return "", false
}
