package wsproto

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// msgFields locates the "type" and "id" fields of a server message struct.
type msgFields struct {
	typ, id int // field indexes
	ok      bool
}

// fieldCache maps a pointer type to its msgFields. gqlgen passes its
// unexported *graphqltransportwsMessage to WriteJSON for every message, so
// the lookup must be cheap: one type in practice, resolved once.
var fieldCache sync.Map // reflect.Type → msgFields

// fastFields returns the struct behind v and where its type and id are, when
// v is a pointer to a struct whose JSON encoding puts those two string fields
// verbatim under "type" and "id". That lets WriteJSON read and rewrite them
// without a JSON round trip per message.
func fastFields(v any) (reflect.Value, msgFields, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return reflect.Value{}, msgFields{}, false
	}
	t := rv.Type()
	f, ok := fieldCache.Load(t)
	if !ok {
		f, _ = fieldCache.LoadOrStore(t, inspectType(t))
	}
	mf := f.(msgFields)
	if !mf.ok {
		return reflect.Value{}, mf, false
	}
	return rv.Elem(), mf, true
}

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

func inspectType(t reflect.Type) msgFields {
	st := t.Elem()
	if st.Kind() != reflect.Struct || t.Implements(jsonMarshaler) || st.Implements(jsonMarshaler) {
		return msgFields{}
	}
	f := msgFields{typ: -1, id: -1}
	for i := range st.NumField() {
		sf := st.Field(i)
		name := jsonName(sf)
		if name != "type" && name != "id" {
			continue
		}
		// A string field with its own marshaller could encode differently
		// from its value. gqlgen's message type implements MarshalText
		// as the identity, which is fine; MarshalJSON is not accepted.
		if sf.Type.Kind() != reflect.String || sf.Type.Implements(jsonMarshaler) {
			return msgFields{}
		}
		idx := &f.id
		if name == "type" {
			idx = &f.typ
		}
		if *idx >= 0 {
			return msgFields{} // duplicate key: encoding/json would drop both
		}
		*idx = i
	}
	f.ok = f.typ >= 0 && f.id >= 0
	return f
}

// jsonName is the key encoding/json uses for an exported, non-embedded field,
// or "" when it is not encoded.
func jsonName(sf reflect.StructField) string {
	if !sf.IsExported() || sf.Anonymous {
		return ""
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = sf.Name
	}
	return name
}
