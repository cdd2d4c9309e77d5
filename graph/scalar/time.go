// Package scalar implements aftercart's custom GraphQL scalars. They exist so
// that a malformed value is reported as an INVALID_INPUT error naming the
// expected format, rather than as an opaque internal error.
package scalar

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/aftercart/aftercart/server/errs"
)

// MarshalTime writes t as RFC 3339 with nanoseconds, in UTC, so clients get
// one format whatever zone the value was recorded in.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
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
