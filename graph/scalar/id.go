package scalar

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/aftercart/aftercart/server/errs"
)

// MarshalIntID writes an id as a JSON string, as the ID type asks.
func MarshalIntID(id int) graphql.Marshaler { return intID(id) }

// intID is an id on its way out: its digits are appended straight into
// gqlgen's response buffer (see appendTo), one allocation per id (boxing
// it) instead of three.
type intID int

// MarshalGQL implements graphql.Marshaler.
func (id intID) MarshalGQL(w io.Writer) {
	appendTo(w, func(b []byte) []byte {
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(id), 10)
		return append(b, '"')
	})
}

// UnmarshalIntID reads an id. aftercart's ids are positive integers, unique
// across types, sent as strings (GraphQL also allows an integer literal). A
// value that cannot be one of them is the client's mistake: INVALID_INPUT
// (extensions.field names the argument), not NOT_FOUND, so that a client
// sending a number from elsewhere (an order number, a tracking number) is
// told so rather than led to think the object is gone.
func UnmarshalIntID(v any) (int, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = string(v)
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	default:
		return 0, errs.Errorf(errs.InvalidInput, "an ID is a string such as \"4294967297\"")
	}
	id, err := strconv.Atoi(s)
	if err != nil || id <= 0 {
		return 0, errs.Errorf(errs.InvalidInput, "%s is not an id of this API (ids look like \"4294967297\")", strconv.Quote(truncate(s, 40)))
	}
	return id, nil
}

// truncate keeps error messages short whatever the client sent.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
