package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// MaxSelectionFields bounds the fields one selection set may hold once its
// fragments are expanded. gqlparser's OverlappingFieldsCanBeMerged compares
// fields pairwise: 8,000 repeated fields keep a core busy for seconds, well
// under any sane token limit. 500 fields cost it a few milliseconds.
const MaxSelectionFields = 500

// validationRules are gqlparser's default rules with the overlap check
// bounded (see boundedOverlap) and, in production, introspection refused at
// validation, so it fails with a validation error before anything runs.
func validationRules(dev bool) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewDefaultRules()
		r.ReplaceRule(rules.OverlappingFieldsCanBeMergedRule.Name, boundedOverlap(MaxSelectionFields))
		if !dev {
			r.AddRule("NoIntrospection", noIntrospection)
		}
		return r
	}
}

// noIntrospection refuses __schema and __type (__typename stays: clients
// need it for unions and caching).
func noIntrospection(observers *core.Events, addError core.AddErrFunc) {
	observers.OnField(func(_ *core.Walker, f *ast.Field) {
		if f.Name == "__schema" || f.Name == "__type" {
			addError(core.Message("introspection is disabled"), core.At(f.Position))
		}
	})
}

// boundedOverlap runs the original overlap rule only on documents whose
// selection sets all hold at most max fields; larger ones get one error. The
// count expands each fragment once (memoized), so it is linear in the
// document even for fragments that spread each other exponentially.
func boundedOverlap(max int) core.RuleFunc {
	return func(observers *core.Events, addError core.AddErrFunc) {
		done := false
		observers.OnOperation(func(w *core.Walker, _ *ast.OperationDefinition) {
			if done {
				return // the first operation checks the whole document
			}
			done = true
			c := fieldCounter{doc: w.Document, max: max, memo: map[string]int{}}
			for _, op := range w.Document.Operations {
				if c.exceeds(op.SelectionSet) {
					addError(core.Message("a selection set has more than %d fields", max))
					return
				}
			}
			for _, f := range w.Document.Fragments {
				if c.exceeds(f.SelectionSet) {
					addError(core.Message("a selection set has more than %d fields", max))
					return
				}
			}
			inner := &core.Events{}
			rules.OverlappingFieldsCanBeMergedRule.RuleFunc(inner, addError)
			core.Walk(w.Schema, w.Document, inner)
		})
	}
}

// fieldCounter counts the fields of selection sets with fragments expanded.
type fieldCounter struct {
	doc  *ast.QueryDocument
	max  int
	memo map[string]int // fragment name → flat field count (capped at max+1)
}

// exceeds reports whether set, or any selection set nested in it, holds more
// than max fields.
func (c *fieldCounter) exceeds(set ast.SelectionSet) bool {
	if c.flat(set, map[string]bool{}) > c.max {
		return true
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if c.exceeds(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if c.exceeds(s.SelectionSet) {
				return true
			}
		}
	}
	return false
}

// flat counts the fields directly in set, expanding fragments, capped at max+1.
func (c *fieldCounter) flat(set ast.SelectionSet, visiting map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n++
		case *ast.InlineFragment:
			n += c.flat(s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue // a cycle; NoFragmentCycles reports it
			}
			cnt, ok := c.memo[s.Name]
			if !ok {
				if def := c.doc.Fragments.ForName(s.Name); def != nil {
					visiting[s.Name] = true
					cnt = c.flat(def.SelectionSet, visiting)
					delete(visiting, s.Name)
				}
				c.memo[s.Name] = cnt
			}
			n += cnt
		}
		if n > c.max {
			return c.max + 1
		}
	}
	return n
}
