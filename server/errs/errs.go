// Package errs defines aftercart's application errors: a machine-readable code
// that clients switch on, and a message that is safe to show them.
//
// Concept packages return *Error for every failure a caller can act on (bad
// input, a missing or foreign object, a conflict). Anything else is treated as
// an internal error: logged with its detail and shown to clients only as
// "internal error", so database text and stack details never leak.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error class. It reaches GraphQL clients as
// extensions.code and webhook senders as the "code" of the JSON error body.
type Code string

// The codes aftercart returns. Clients may rely on these strings.
const (
	// BadRequest means the HTTP request itself is not a usable GraphQL (or
	// webhook) request: not JSON, a JSON array, a parameter of the wrong
	// type, the wrong content type, a body over the size limit.
	BadRequest Code = "BAD_REQUEST"
	// InvalidInput means the request was understood but a value is malformed
	// or out of range; retrying the same request cannot succeed.
	InvalidInput Code = "INVALID_INPUT"
	// NotFound means the object does not exist or the viewer may not see it;
	// the two are deliberately indistinguishable.
	NotFound Code = "NOT_FOUND"
	// Unauthenticated means no valid credentials were presented.
	Unauthenticated Code = "UNAUTHENTICATED"
	// Forbidden means the viewer is known but its role may not do this.
	Forbidden Code = "FORBIDDEN"
	// Conflict means the request contradicts the current state (for example a
	// tracking number already used by another order).
	Conflict Code = "CONFLICT"
	// Throttled means the viewer exceeded a rate or cost budget.
	Throttled Code = "THROTTLED"
	// Unavailable means a dependency (the database) is down; retry later.
	Unavailable Code = "UNAVAILABLE"
	// Internal means an unexpected failure; details are logged, not returned.
	Internal Code = "INTERNAL"
)

// Error is an application error with a code and a client-safe message.
type Error struct {
	// Code classifies the error.
	Code Code
	// Message is shown to the client verbatim.
	Message string
	// Field optionally names the input field at fault (e.g. "events[2].occurredAt").
	Field string
	// RetryAfter, for THROTTLED errors, is how long to wait before the
	// same request would be accepted; clients see it as
	// extensions.retryAfter, in whole seconds.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an INVALID_INPUT error for the named input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: InvalidInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
