package graph

import (
	"bytes"
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/graph/scalar"
)

// The fast path's writer: JSON values as gqlgen's marshalers write them,
// objects and lists as its executor lays them out (orderstatus_render.go
// writes the order status screen's types with it).

// statusWriter writes one response. ok turns false at the first value it
// cannot write exactly as the executor would; the caller then lets the
// executor answer instead.
type statusWriter struct {
	ctx context.Context
	op  *graphql.OperationContext
	r   *Resolver
	buf *bytes.Buffer
	ok  bool
	// collected remembers fields' answers for this response: each of
	// an events page's 20 edges and nodes asks for the same selection,
	// and gqlgen's own cache builds a hashed key (two allocations) per
	// question.
	collected  [16]collectedFields
	nCollected int
}

// collectedFields is one answer of fields: the selection set (its first
// element and length identify it within the operation), the type asked for
// and the fields.
type collectedFields struct {
	first  *ast.Selection
	n      int
	typ    string
	fields []graphql.CollectedField
}

func (w *statusWriter) fail() { w.ok = false }

// fields collects sel's fields for an object of the given types, as the
// executor does (fragments expanded, @skip/@include applied, merged by
// response name, cached per operation).
func (w *statusWriter) fields(sel ast.SelectionSet, types []string) []graphql.CollectedField {
	if len(sel) == 0 {
		return graphql.CollectFields(w.op, sel, types)
	}
	for _, c := range w.collected[:w.nCollected] {
		if c.first == &sel[0] && c.n == len(sel) && c.typ == types[0] {
			return c.fields
		}
	}
	fields := graphql.CollectFields(w.op, sel, types)
	if w.nCollected < len(w.collected) {
		w.collected[w.nCollected] = collectedFields{first: &sel[0], n: len(sel), typ: types[0], fields: fields}
		w.nCollected++
	}
	return fields
}

// key writes an object member's name, after a comma unless it is the first.
func (w *statusWriter) key(i int, alias string) {
	if i > 0 {
		w.buf.WriteByte(',')
	}
	graphql.MarshalString(alias).MarshalGQL(w.buf)
	w.buf.WriteByte(':')
}

func (w *statusWriter) marshal(m graphql.Marshaler) { m.MarshalGQL(w.buf) }
func (w *statusWriter) null()                       { w.buf.WriteString("null") }
func (w *statusWriter) str(s string)                { w.marshal(graphql.MarshalString(s)) }
func (w *statusWriter) id(id int)                   { w.marshal(scalar.MarshalIntID(id)) }
func (w *statusWriter) int(n int)                   { w.marshal(graphql.MarshalInt(n)) }
func (w *statusWriter) bool(b bool)                 { w.marshal(graphql.MarshalBoolean(b)) }

func (w *statusWriter) optStr(s *string) {
	if s == nil {
		w.null()
		return
	}
	w.str(*s)
}

func (w *statusWriter) optInt(n *int) {
	if n == nil {
		w.null()
		return
	}
	w.int(*n)
}

// object writes the fields of sel for an object of the given types, each
// with field; __typename is the first type's name.
func (w *statusWriter) object(sel ast.SelectionSet, types []string, field func(f graphql.CollectedField)) {
	w.buf.WriteByte('{')
	for i, f := range w.fields(sel, types) {
		w.key(i, f.Alias)
		if f.Name == "__typename" {
			w.str(types[0])
			continue
		}
		field(f)
		if !w.ok {
			return
		}
	}
	w.buf.WriteByte('}')
}

// list writes n elements with elem.
func (w *statusWriter) list(n int, elem func(i int)) {
	w.buf.WriteByte('[')
	for i := range n {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		elem(i)
	}
	w.buf.WriteByte(']')
}

func (w *statusWriter) optTime(t *time.Time) {
	if t == nil {
		w.null()
		return
	}
	w.marshal(scalar.MarshalTime(*t))
}

func (w *statusWriter) cursor(c *entgql.Cursor[int]) {
	if c == nil {
		w.null()
		return
	}
	w.marshal(c)
}
