// Package sdl holds the entgql schema hooks that finish the generated GraphQL
// schema (schema/ent.graphql): every type and field gets a description, and
// list arguments get the defaults the API promises (newest first).
//
// It runs only at code-generation time, from ent/entc.go.
package sdl

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc/gen"
	entschema "entgo.io/ent/schema"
	"github.com/vektah/gqlparser/v2/ast"
)

// Hooks returns the schema hooks, in the order they must run.
func Hooks() []entgql.SchemaHook {
	return []entgql.SchemaHook{typeComments, defaultOrders, describeGenerated}
}

// defaultOrder is the orderBy an argument defaults to when the client gives none.
type defaultOrder struct{ typ, field, orderType, orderField, direction string }

// Lists are newest first by default: it is what every screen that shows
// orders or a tracking timeline wants, and it keeps cursors stable.
var defaultOrders = func(_ *gen.Graph, s *ast.Schema) error {
	for _, d := range []defaultOrder{
		{"Query", "orders", "OrderOrder", "PLACED_AT", "DESC"},
		{"Customer", "orders", "OrderOrder", "PLACED_AT", "DESC"},
		{"Shipment", "events", "TrackingEventOrder", "OCCURRED_AT", "DESC"},
		// A review's thread reads as a conversation: oldest first.
		{"Review", "replies", "ReviewReplyOrder", "CREATED_AT", "ASC"},
	} {
		def := s.Types[d.typ]
		if def == nil {
			return fmt.Errorf("sdl: type %s not found", d.typ)
		}
		f := def.Fields.ForName(d.field)
		if f == nil {
			return fmt.Errorf("sdl: field %s.%s not found", d.typ, d.field)
		}
		arg := f.Arguments.ForName("orderBy")
		if arg == nil {
			return fmt.Errorf("sdl: %s.%s has no orderBy argument", d.typ, d.field)
		}
		arg.DefaultValue = &ast.Value{
			Kind: ast.ObjectValue,
			Children: ast.ChildValueList{
				{Name: "direction", Value: &ast.Value{Kind: ast.EnumValue, Raw: d.direction}},
				{Name: "field", Value: &ast.Value{Kind: ast.EnumValue, Raw: d.orderField}},
			},
		}
		arg.Description = fmt.Sprintf("Ordering options; defaults to %s %s.", d.orderField, d.direction)
	}
	return nil
}

// typeComments copies each ent schema's schema.Comment annotation onto its
// GraphQL object type.
func typeComments(g *gen.Graph, s *ast.Schema) error {
	for _, n := range g.Nodes {
		def := s.Types[n.Name]
		if def == nil || def.Description != "" {
			continue
		}
		raw, ok := n.Annotations[(&entschema.CommentAnnotation{}).Name()]
		if !ok {
			return fmt.Errorf("sdl: ent schema %s has no schema.Comment annotation", n.Name)
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return err
		}
		var c entschema.CommentAnnotation
		if err := json.Unmarshal(b, &c); err != nil {
			return err
		}
		def.Description = c.Text
	}
	return nil
}

// describeGenerated documents the types and fields entgql generates without a
// description (connections, edges, where inputs, order enums).
func describeGenerated(_ *gen.Graph, s *ast.Schema) error {
	names := make([]string, 0, len(s.Types))
	for name := range s.Types {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def := s.Types[name]
		if def.BuiltIn {
			continue
		}
		base := ""
		switch {
		case name == "Query":
			setDesc(def, "The entry points for reading: orders, customers, and any object by id.")
		case strings.HasSuffix(name, "Connection"):
			base = strings.TrimSuffix(name, "Connection")
			setDesc(def, fmt.Sprintf("A page of %s items, following the Relay connection spec.", base))
		case strings.HasSuffix(name, "Edge"):
			base = strings.TrimSuffix(name, "Edge")
			setDesc(def, fmt.Sprintf("One %s in a connection, with its cursor.", base))
		case strings.HasSuffix(name, "WhereInput"):
			setDesc(def, fmt.Sprintf("Filters for %s lists; conditions combine with AND.", strings.TrimSuffix(name, "WhereInput")))
		case strings.HasSuffix(name, "OrderField"):
			setDesc(def, fmt.Sprintf("Fields by which %s lists can be ordered.", strings.TrimSuffix(name, "OrderField")))
		case strings.HasSuffix(name, "Order"):
			setDesc(def, fmt.Sprintf("Ordering options for %s lists.", strings.TrimSuffix(name, "Order")))
		}
		for _, f := range def.Fields {
			if f.Description != "" {
				continue
			}
			f.Description = fieldDesc(def, f)
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				v.Description = enumValueDesc(name, v.Name)
			}
		}
	}
	return nil
}

func setDesc(def *ast.Definition, d string) {
	if def.Description == "" {
		def.Description = d
	}
}

// predicateSuffixes maps entgql's where-input field suffixes to prose.
var predicateSuffixes = []struct{ suffix, desc string }{
	{"NEQ", "is not equal to"}, {"NotIn", "is none of"}, {"In", "is one of"},
	{"GTE", "is greater than or equal to"}, {"GT", "is greater than"},
	{"LTE", "is less than or equal to"}, {"LT", "is less than"},
	{"ContainsFold", "contains, ignoring case,"}, {"Contains", "contains"},
	{"HasPrefix", "starts with"}, {"HasSuffix", "ends with"}, {"EqualFold", "equals, ignoring case,"},
	{"IsNil", "is null (true) or not null (false)"}, {"NotNil", "is not null"},
}

func fieldDesc(def *ast.Definition, f *ast.FieldDefinition) string {
	switch f.Name {
	case "edges":
		return "The items on this page, with their cursors."
	case "pageInfo":
		return "Where this page sits in the whole list."
	case "totalCount":
		return "How many items the whole list has."
	case "node":
		return "The item."
	case "cursor":
		return "Opaque cursor of this item, for after/before."
	case "direction":
		return "The ordering direction."
	case "field":
		return "The field to order by."
	case "not":
		return "Matches when the given filter does not."
	case "and":
		return "Matches when every given filter does."
	case "or":
		return "Matches when any given filter does."
	}
	if def.Kind == ast.InputObject && strings.HasSuffix(def.Name, "WhereInput") {
		if strings.HasPrefix(f.Name, "has") && strings.HasSuffix(f.Name, "With") {
			return fmt.Sprintf("Matches when some %s matches the given filters.", strings.TrimSuffix(strings.TrimPrefix(f.Name, "has"), "With"))
		}
		if strings.HasPrefix(f.Name, "has") {
			return fmt.Sprintf("Matches when the %s edge is (true) or is not (false) set.", strings.TrimPrefix(f.Name, "has"))
		}
		for _, p := range predicateSuffixes {
			if field, ok := strings.CutSuffix(f.Name, p.suffix); ok && field != "" {
				return fmt.Sprintf("Matches when %s %s the given value.", field, p.desc)
			}
		}
		return fmt.Sprintf("Matches when %s equals the given value.", f.Name)
	}
	return fmt.Sprintf("The %s of this %s.", f.Name, def.Name)
}

// enumDocs documents the domain enums value by value.
var enumDocs = map[string]map[string]string{
	"TrackingStatus": {
		"PENDING":              "Created; no word from the carrier yet.",
		"INFO_RECEIVED":        "The carrier has the shipping label but not the parcel.",
		"IN_TRANSIT":           "The parcel is moving through the carrier's network.",
		"OUT_FOR_DELIVERY":     "The parcel is on the vehicle for delivery today.",
		"ATTEMPT_FAIL":         "Delivery was attempted and failed; the carrier will retry or hold it.",
		"AVAILABLE_FOR_PICKUP": "The parcel waits at a pickup point or locker.",
		"DELIVERED":            "The parcel was delivered. Terminal: later events do not regress it.",
		"EXCEPTION":            "Something went wrong (customs hold, damage, returned to sender); see subStatus.",
		"EXPIRED":              "The carrier stopped reporting on this tracking number.",
	},
	"MediaKind": {
		"PHOTO": "A JPEG, PNG or WebP image; stored without its metadata, with a JPEG thumbnail.",
		"VIDEO": "An MP4 or WebM video, stored as uploaded.",
	},
	"OrderStatus": {
		"UNFULFILLED":         "Paid; nothing has shipped yet.",
		"PARTIALLY_SHIPPED":   "Some items have shipped; others have not.",
		"SHIPPED":             "Every item has shipped; none delivered yet.",
		"PARTIALLY_DELIVERED": "Some shipments are delivered; others are on their way.",
		"DELIVERED":           "Every item has been delivered.",
		"CANCELED":            "The order was canceled.",
	},
}

func enumValueDesc(enum, value string) string {
	if d := enumDocs[enum][value]; d != "" {
		return d
	}
	words := strings.ToLower(strings.ReplaceAll(value, "_", " "))
	if strings.HasSuffix(enum, "OrderField") {
		return "Order by " + words + "."
	}
	return words
}
