// Package scalar implements aftercart's custom GraphQL scalars. They exist so
// that a malformed value is reported as an INVALID_INPUT error naming the
// expected format, rather than as an opaque internal error.
package scalar

import (
	"bytes"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/aftercart/aftercart/server/errs"
)

// MarshalTime writes t as RFC 3339 with nanoseconds, in UTC, so clients get
// one format whatever zone the value was recorded in.
func MarshalTime(t time.Time) graphql.Marshaler { return utcTime(t) }

// utcTime is a time on its way out, appended straight into gqlgen's
// response buffer (see appendTo): one allocation per time (boxing it)
// instead of three. RFC 3339 has nothing JSON would escape, so quotes
// around it make it a JSON string.
type utcTime time.Time

// MarshalGQL implements graphql.Marshaler.
func (t utcTime) MarshalGQL(w io.Writer) {
	appendTo(w, func(b []byte) []byte {
		b = append(b, '"')
		b = time.Time(t).UTC().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	})
}

// appendTo writes to w what f appends to the slice it is given. gqlgen
// marshals a response into a *bytes.Buffer: there f appends to the
// buffer's free space (AvailableBuffer), and writing a scalar allocates
// nothing. Any other writer gets a new slice.
func appendTo(w io.Writer, f func([]byte) []byte) {
	if b, ok := w.(*bytes.Buffer); ok {
		_, _ = b.Write(f(b.AvailableBuffer()))
		return
	}
	_, _ = w.Write(f(make([]byte, 0, 40)))
}

// UnmarshalTime reads an RFC 3339 timestamp. A zone offset is required:
// "2026-11-22T10:00:00" is ambiguous for a parcel crossing time zones.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errs.Errorf(errs.InvalidInput, "time must be an RFC 3339 string, e.g. \"2026-11-22T10:00:00Z\"")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errs.Errorf(errs.InvalidInput, "%q is not an RFC 3339 time with a zone, e.g. \"2026-11-22T10:00:00Z\"", s)
	}
	return t, nil
}
