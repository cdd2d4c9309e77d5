package graph

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// runRule validates doc against schema with one rule only.
func runRule(schema *ast.Schema, query string, rule core.RuleFunc) (gqlerror.List, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, err
	}
	return validator.ValidateWithRules(schema, doc, rules.NewRules(core.Rule{Name: "rule", RuleFunc: rule})), nil
}

// TestMergeableFieldsSpec runs graphql-js's test cases for
// OverlappingFieldsCanBeMerged (as gqlparser imports them, in its module)
// against mergeableFields: each document must be accepted or refused as
// gqlparser's rule does, which itself agrees with graphql-js on every case
// but those on fields the schema does not define.
func TestMergeableFieldsSpec(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/vektah/gqlparser/v2").Output()
	if err != nil {
		t.Fatalf("locating gqlparser's module: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "validator", "imported", "tests.json"))
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Schemas []string
		Tests   []struct {
			Name, Rule, Query string
			Schema            int
			Errors            []json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &suite); err != nil {
		t.Fatal(err)
	}
	schemas := map[int]*ast.Schema{}
	n, agree := 0, 0
	for _, tc := range suite.Tests {
		if tc.Rule != rules.OverlappingFieldsCanBeMergedRule.Name {
			continue
		}
		n++
		t.Run(tc.Name, func(t *testing.T) {
			if strings.Contains(tc.Name, "reports correctly when a non-exclusive follows an exclusive") {
				t.Skip("gqlparser skips it too: the schema lacks the field (imported/deviations.yml)")
			}
			schema, ok := schemas[tc.Schema]
			if !ok {
				schema = gqlparser.MustLoadSchema(&ast.Source{Input: suite.Schemas[tc.Schema]})
				schemas[tc.Schema] = schema
			}
			errs, err := runRule(schema, tc.Query, mergeableFields)
			if err != nil {
				t.Fatal(err)
			}
			// Compared with the reference as well: gqlparser's rule
			// gives up on fields the schema does not define, which a few
			// graphql-js cases use (both then report nothing).
			ref, _ := runRule(schema, tc.Query, rules.OverlappingFieldsCanBeMergedRule.RuleFunc)
			if (len(errs) > 0) != (len(ref) > 0) {
				t.Errorf("got %d errors %v, gqlparser %d %v\n%s", len(errs), errs, len(ref), ref, tc.Query)
			}
			if (len(ref) > 0) == (len(tc.Errors) > 0) {
				agree++
			} else {
				t.Logf("graphql-js expects %d errors, gqlparser gives %d: undefined fields", len(tc.Errors), len(ref))
			}
		})
	}
	if n < 30 || agree < n-10 {
		t.Fatalf("%d cases for the rule, %d where gqlparser agrees with graphql-js", n, agree)
	}
}

// TestMergeableFieldsAgreesWithGqlparser generates documents over
// aftercart's schema whose fields often share response names (aliases from
// a small set, arguments from a few values, the Node interface's inline
// fragments, fragments spread in several places) and checks mergeableFields
// accepts exactly those gqlparser's rule accepts.
func TestMergeableFieldsAgreesWithGqlparser(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	rng := rand.New(rand.NewPCG(8, 1))
	const cases = 3000
	refused := 0
	for i := range cases {
		g := &docGen{schema: schema, rng: rng}
		q := g.document()
		want, err := runRule(schema, q, rules.OverlappingFieldsCanBeMergedRule.RuleFunc)
		if err != nil {
			t.Fatalf("case %d does not parse: %v\n%s", i, err, q)
		}
		got, _ := runRule(schema, q, mergeableFields)
		if (len(got) > 0) != (len(want) > 0) {
			t.Fatalf("case %d: mergeableFields %v, gqlparser %v\n%s", i, got, want, q)
		}
		if len(want) > 0 {
			refused++
		}
	}
	t.Logf("%d documents, %d refused by both", cases, refused)
	if refused < cases/10 || refused > cases*9/10 {
		t.Errorf("%d of %d refused: the generator should produce both kinds", refused, cases)
	}
}

// docGen writes random documents over a schema.
type docGen struct {
	schema    *ast.Schema
	rng       *rand.Rand
	fragments []string
	nfrag     int
}

func (g *docGen) document() string {
	body := g.selection(g.schema.Query, 3)
	return "{ " + body + " } " + strings.Join(g.fragments, " ")
}

// selection writes a few fields of def, nested up to depth.
func (g *docGen) selection(def *ast.Definition, depth int) string {
	var parts []string
	for range 1 + g.rng.IntN(4) {
		parts = append(parts, g.selectionItem(def, depth))
	}
	return strings.Join(parts, " ")
}

func (g *docGen) selectionItem(def *ast.Definition, depth int) string {
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		types := g.schema.GetPossibleTypes(def)
		if len(types) > 0 && g.rng.IntN(3) > 0 {
			t := types[g.rng.IntN(min(len(types), 3))]
			return fmt.Sprintf("... on %s { %s }", t.Name, g.selection(t, depth))
		}
	}
	if depth > 1 && g.rng.IntN(8) == 0 && def.Kind == ast.Object {
		name := fmt.Sprintf("F%d", g.nfrag)
		g.nfrag++
		g.fragments = append(g.fragments, fmt.Sprintf("fragment %s on %s { %s }", name, def.Name, g.selection(def, depth-1)))
		return "..." + name
	}
	var fields []*ast.FieldDefinition
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if !g.argumentsWritable(f) {
			continue
		}
		t := g.schema.Types[f.Type.Name()]
		if depth == 0 && t != nil && !t.IsLeafType() {
			continue
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		return "__typename"
	}
	// A few fields, so that names collide often.
	f := fields[g.rng.IntN(min(len(fields), 4))]
	out := ""
	if g.rng.IntN(2) == 0 {
		out = []string{"a", "b"}[g.rng.IntN(2)] + ": "
	}
	out += f.Name + g.arguments(f)
	if t := g.schema.Types[f.Type.Name()]; t != nil && !t.IsLeafType() {
		out += " { " + g.selection(t, depth-1) + " }"
	}
	return out
}

// argumentsWritable: fields whose required arguments are an Int, a
// String or an ID, which arguments can fill.
func (g *docGen) argumentsWritable(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil && !scalarArgument(a.Type) {
			return false
		}
	}
	return true
}

func scalarArgument(t *ast.Type) bool {
	switch t.Name() {
	case "Int", "String", "ID":
		return t.Elem == nil
	}
	return false
}

// arguments fills required arguments, and first when there is one, from two
// values each: identical fields are frequent, and so are differing ones.
func (g *docGen) arguments(f *ast.FieldDefinition) string {
	var args []string
	for _, a := range f.Arguments {
		if !scalarArgument(a.Type) || (!a.Type.NonNull && a.Name != "first") {
			continue
		}
		v := 1 + g.rng.IntN(2)
		if a.Type.Name() == "Int" {
			args = append(args, fmt.Sprintf("%s: %d", a.Name, v))
		} else {
			args = append(args, fmt.Sprintf(`%s: "%d"`, a.Name, v))
		}
	}
	if len(args) == 0 {
		return ""
	}
	return "(" + strings.Join(args, ", ") + ")"
}
