package cost

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aftercart/aftercart/server/errs"
)

// MaxPageSize is the largest "first" or "last" a connection accepts.
const MaxPageSize = 100

// connectionSuffix marks the object types whose fields must be paginated.
const connectionSuffix = "Connection"

// Calculate returns the cost of op under the package's cost model, with
// variables already coerced (graphql.OperationContext.Variables).
//
// op must come from a document that passed gqlparser validation: the walk
// follows the field and fragment definitions validation fills in, and relies on
// it having refused fragment cycles (a cycle is still reported, not followed).
//
// A pagination argument that is missing or out of range is returned as a
// *gqlerror.Error with extensions.code INVALID_INPUT, the field's location,
// and an *errs.Error (code INVALID_INPUT, Field the response path) as its
// wrapped error, so errs.CodeOf and an error presenter keyed on errs codes
// both see it.
func Calculate(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) (int, error) {
	if schema == nil || op == nil {
		return 0, gqlerror.Errorf("cost: no schema or operation")
	}
	c := &calculator{
		schema:    schema,
		vars:      vars,
		fragments: map[string]int{},
		visiting:  map[string]bool{},
	}
	return c.selectionSet(op.SelectionSet)
}

type calculator struct {
	schema *ast.Schema
	vars   map[string]any
	// fragments memoizes the cost of each named fragment: variables are fixed
	// for the whole operation, so a fragment costs the same at every spread.
	fragments map[string]int
	// visiting holds the fragments being computed, to refuse a cycle.
	visiting map[string]bool
	// path is the response path of the field being walked, for messages.
	path []string
}

func (c *calculator) selectionSet(set ast.SelectionSet) (int, error) {
	total := 0
	for _, sel := range set {
		var n int
		var err error
		switch sel := sel.(type) {
		case *ast.Field:
			n, err = c.field(sel)
		case *ast.InlineFragment:
			n, err = c.selectionSet(sel.SelectionSet)
		case *ast.FragmentSpread:
			n, err = c.fragment(sel)
		default:
			err = gqlerror.Errorf("cost: unknown selection %T", sel)
		}
		if err != nil {
			return 0, err
		}
		total = add(total, n)
	}
	return total, nil
}

func (c *calculator) fragment(spread *ast.FragmentSpread) (int, error) {
	if n, ok := c.fragments[spread.Name]; ok {
		return n, nil
	}
	def := spread.Definition
	if def == nil {
		return 0, gqlerror.ErrorPosf(spread.Position, "cost: fragment %q is not validated", spread.Name)
	}
	if c.visiting[spread.Name] {
		return 0, gqlerror.ErrorPosf(spread.Position, "cost: fragment %q spreads itself", spread.Name)
	}
	c.visiting[spread.Name] = true
	n, err := c.selectionSet(def.SelectionSet)
	delete(c.visiting, spread.Name)
	if err != nil {
		return 0, err
	}
	c.fragments[spread.Name] = n
	return n, nil
}

func (c *calculator) field(f *ast.Field) (int, error) {
	if strings.HasPrefix(f.Name, "__") {
		return 1, nil
	}
	if f.Definition == nil || f.Definition.Type == nil {
		return 0, gqlerror.ErrorPosf(f.Position, "cost: field %q is not validated", f.Name)
	}

	key := f.Alias
	if key == "" {
		key = f.Name
	}
	c.path = append(c.path, key)
	defer func() { c.path = c.path[:len(c.path)-1] }()

	// Check the page size before descending, so that the outermost
	// unpaginated connection is the one reported.
	pages := 1
	if c.isConnection(f.Definition.Type) {
		n, err := c.pageSize(f)
		if err != nil {
			return 0, err
		}
		pages = n
	}
	// A field fetching a list of objects by id (nodes(ids:)) returns one
	// per id: it costs like a page of that size, and takes at most a page.
	if n, ok := c.listArgLen(f, idsArgument); ok {
		if n > MaxPageSize {
			return 0, c.invalid(f, "%q takes at most %d ids, got %d", idsArgument, MaxPageSize, n)
		}
		pages = max(pages, n)
	}
	children, err := c.selectionSet(f.SelectionSet)
	if err != nil {
		return 0, err
	}
	return add(1, mul(pages, children)), nil
}

func (c *calculator) isConnection(t *ast.Type) bool {
	def := c.schema.Types[t.Name()]
	return def != nil && def.Kind == ast.Object && strings.HasSuffix(def.Name, connectionSuffix)
}

// pageSize returns the larger of f's "first" and "last", refusing the field
// when neither is given or one is outside 1..MaxPageSize.
func (c *calculator) pageSize(f *ast.Field) (int, error) {
	size := 0
	for _, name := range [...]string{"first", "last"} {
		n, ok, err := c.intArg(f, name)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		if n < 1 || n > MaxPageSize {
			return 0, c.invalid(f, "%q must be in 1..%d, got %d", name, MaxPageSize, n)
		}
		size = max(size, int(n))
	}
	if size == 0 {
		return 0, c.invalid(f, `"first" or "last" is required (1..%d)`, MaxPageSize)
	}
	return size, nil
}

// idsArgument is the argument of fields that fetch objects by id.
const idsArgument = "ids"

// listArgLen returns the length of f's list argument name, as a literal or
// a variable; ok is false when f has no such list argument.
func (c *calculator) listArgLen(f *ast.Field, name string) (n int, ok bool) {
	arg := f.Arguments.ForName(name)
	if arg == nil || arg.Value == nil {
		return 0, false
	}
	switch arg.Value.Kind {
	case ast.ListValue:
		return len(arg.Value.Children), true
	case ast.Variable:
		if list, isList := c.vars[arg.Value.Raw].([]any); isList {
			return len(list), true
		}
	}
	return 0, false
}

// intArg resolves the Int argument name of f the way execution will: the
// literal, else the variable's value, else the variable's default, else the
// schema's default. ok is false when the argument is absent or null.
func (c *calculator) intArg(f *ast.Field, name string) (n int64, ok bool, err error) {
	var v any
	var found bool
	if arg := f.Arguments.ForName(name); arg != nil && arg.Value != nil {
		v, found = c.value(arg.Value)
	}
	if !found {
		if def := f.Definition.Arguments.ForName(name); def != nil && def.DefaultValue != nil {
			v, found = c.value(def.DefaultValue)
		}
	}
	if !found || v == nil {
		return 0, false, nil
	}
	n, isInt := toInt64(v)
	if !isInt {
		return 0, false, c.invalid(f, "%q must be an Int in 1..%d", name, MaxPageSize)
	}
	return n, true, nil
}

// value evaluates a literal or variable. found is false only for a variable
// that was neither sent nor defaulted, which GraphQL treats as an absent
// argument (so the schema's default applies), unlike an explicit null.
func (c *calculator) value(v *ast.Value) (val any, found bool) {
	switch v.Kind {
	case ast.Variable:
		if val, ok := c.vars[v.Raw]; ok {
			return val, true
		}
		if v.VariableDefinition != nil && v.VariableDefinition.DefaultValue != nil {
			return c.value(v.VariableDefinition.DefaultValue)
		}
		return nil, false
	case ast.NullValue:
		return nil, true
	case ast.IntValue:
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil {
			return v.Raw, true // out of int64 range: reported as not an Int
		}
		return n, true
	default:
		return v.Raw, true
	}
}

// toInt64 accepts the forms an Int variable takes after gqlparser's coercion
// (any Go integer, a whole float64 from encoding/json, a json.Number, a
// numeric string).
func toInt64(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if rv.Uint() > math.MaxInt64 {
			return 0, false
		}
		return int64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// invalid builds the INVALID_INPUT error for the field being walked.
func (c *calculator) invalid(f *ast.Field, format string, args ...any) error {
	e := errs.Invalid(strings.Join(c.path, "."), format, args...)
	gqlErr := &gqlerror.Error{
		Err:        e,
		Message:    e.Error(),
		Extensions: map[string]any{"code": string(e.Code)},
	}
	if f.Position != nil {
		gqlErr.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return gqlErr
}

// add and mul saturate at math.MaxInt: nested connections multiply quickly
// (100^10 overflows int64), and a wrapped-around cost could pass the budget.
// Costs are never negative.
func add(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func mul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}
