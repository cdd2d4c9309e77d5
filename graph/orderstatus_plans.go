package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/aftercart/aftercart/server/orders"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The fast path's plans, remembered per operation.
//
// Planning an order status operation (planStatus, statusColumns: a walk of
// the selection with gqlgen's field collection at every level) was 4 % of
// the server's CPU on the order status screen, and its answer is the same
// every time the same operation comes: the app sends one query text, which
// gqlgen parses once (its query cache) into the same *ast.OperationDefinition.
// What can change from one request to the next is the variables, so a plan
// is remembered only for an operation whose variables are used nowhere but
// in its top-level order fields' number argument (which the loader reads
// per request): a variable anywhere else (first: $n, @include(if: $x)) may
// change the plan, and such an operation is planned on every request.

// statusPlanCacheSize bounds the operations remembered; each entry keeps its
// operation's syntax tree alive.
const statusPlanCacheSize = 256

// statusPlanned is what statusPlans found for one operation.
type statusPlanned struct {
	root  []graphql.CollectedField
	plans []orders.StatusPlan // by root field; zero for __typename
	ok    bool
}

var statusPlanCache, _ = lru.New[*ast.OperationDefinition, statusPlanned](statusPlanCacheSize)

// statusPlans returns op's root fields and each one's plan; ok is false when
// the fast path cannot serve op (a root field other than order(number:) or
// __typename, a selection planStatus refuses, @defer).
func statusPlans(op *graphql.OperationContext) (root []graphql.CollectedField, plans []orders.StatusPlan, ok bool) {
	if p, hit := statusPlanCache.Get(op.Operation); hit {
		return p.root, p.plans, p.ok
	}
	p := planOperation(op)
	if variablesOnlyInNumber(op.Operation) {
		statusPlanCache.Add(op.Operation, p)
	}
	return p.root, p.plans, p.ok
}

// planOperation plans every root field of op.
func planOperation(op *graphql.OperationContext) statusPlanned {
	root := graphql.CollectFields(op, op.Operation.SelectionSet, queryTypes)
	plans := make([]orders.StatusPlan, len(root))
	for i, f := range root {
		if f.Name == "__typename" {
			continue
		}
		if f.Name != "order" || len(f.Deferrables) > 0 {
			return statusPlanned{}
		}
		p, ok := planStatus(op, f)
		if !ok {
			return statusPlanned{}
		}
		p.Cols = statusColumns(op, f)
		plans[i] = p
	}
	return statusPlanned{root: root, plans: plans, ok: true}
}

// variablesOnlyInNumber reports whether op refers to variables only in the
// number argument of fields named order directly in its selection set.
func variablesOnlyInNumber(op *ast.OperationDefinition) bool {
	seen := map[*ast.FragmentDefinition]bool{}
	var selections func(sel ast.SelectionSet, top bool) bool
	selections = func(sel ast.SelectionSet, top bool) bool {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					if top && s.Name == "order" && a.Name == "number" && a.Value != nil && a.Value.Kind == ast.Variable {
						continue
					}
					if usesVariable(a.Value) {
						return false
					}
				}
				if directivesUseVariables(s.Directives) || !selections(s.SelectionSet, false) {
					return false
				}
			case *ast.InlineFragment:
				if directivesUseVariables(s.Directives) || !selections(s.SelectionSet, false) {
					return false
				}
			case *ast.FragmentSpread:
				if directivesUseVariables(s.Directives) || s.Definition == nil {
					return false
				}
				if seen[s.Definition] {
					continue
				}
				seen[s.Definition] = true
				if directivesUseVariables(s.Definition.Directives) || !selections(s.Definition.SelectionSet, false) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	return !directivesUseVariables(op.Directives) && selections(op.SelectionSet, true)
}

func directivesUseVariables(ds ast.DirectiveList) bool {
	for _, d := range ds {
		for _, a := range d.Arguments {
			if usesVariable(a.Value) {
				return true
			}
		}
	}
	return false
}

// usesVariable reports whether v is or contains a variable.
func usesVariable(v *ast.Value) bool {
	if v == nil {
		return false
	}
	if v.Kind == ast.Variable {
		return true
	}
	for _, c := range v.Children {
		if usesVariable(c.Value) {
			return true
		}
	}
	return false
}
