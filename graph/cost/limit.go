package cost

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aftercart/aftercart/server/errs"
)

// CodeTooExpensive is the extensions.code of an operation refused for costing
// more than the budget. The error's extensions also carry "cost" and "budget".
const CodeTooExpensive errs.Code = "QUERY_TOO_EXPENSIVE"

// extensionName keys the computed cost in graphql.Stats.
const extensionName = "CostLimit"

// Limit is a gqlgen handler extension that computes each operation's cost (see
// the package documentation) and refuses, before execution, operations that
// break the pagination rules or cost more than Budget.
//
// Add it with handler.Server.Use before any other extension that walks the
// operation, such as extension.FixedComplexityLimit.
type Limit struct {
	// Budget is the highest cost an operation may have.
	Budget int

	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*Limit)(nil)

// New returns a Limit that refuses operations costing more than budget.
func New(budget int) *Limit {
	return &Limit{Budget: budget}
}

// ExtensionName implements graphql.HandlerExtension.
func (l *Limit) ExtensionName() string {
	return extensionName
}

// Validate implements graphql.HandlerExtension; gqlgen calls it once, when the
// extension is added, with the schema operations will be checked against.
func (l *Limit) Validate(es graphql.ExecutableSchema) error {
	if l.Budget < 1 {
		return fmt.Errorf("cost: budget must be positive, got %d", l.Budget)
	}
	if es == nil || es.Schema() == nil {
		return errors.New("cost: no schema")
	}
	l.schema = es.Schema()
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator. gqlgen
// calls it after validation and variable coercion and before any resolver;
// a non-nil error is sent to the client and the operation is not executed.
//
// The cost is recorded on the operation context, for [FromContext], before
// the budget is checked.
func (l *Limit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if l.schema == nil {
		// Not added through handler.Server.Use: fail closed rather than run
		// an unchecked operation.
		return gqlerror.Errorf("cost: extension not initialised")
	}
	cost, err := Calculate(l.schema, opCtx.Operation, opCtx.Variables)
	if err != nil {
		if gqlErr, ok := errors.AsType[*gqlerror.Error](err); ok {
			return gqlErr
		}
		return gqlerror.Wrap(err)
	}
	opCtx.Stats.SetExtension(extensionName, cost)

	if cost > l.Budget {
		e := errs.Errorf(CodeTooExpensive,
			"operation costs %d, over the budget of %d; ask for fewer items (first/last) or fewer fields", cost, l.Budget)
		return &gqlerror.Error{
			Err:     e,
			Message: e.Message,
			Extensions: map[string]any{
				"code":   string(CodeTooExpensive),
				"cost":   cost,
				"budget": l.Budget,
			},
		}
	}
	return nil
}

// FromContext returns the cost [Limit] computed for the operation in ctx, for
// later extensions (a per-viewer rate limiter) and resolvers. ok is false
// when ctx has no operation or Limit has not run (it is not installed, or it
// refused the operation before computing a cost).
func FromContext(ctx context.Context) (cost int, ok bool) {
	if !graphql.HasOperationContext(ctx) {
		return 0, false
	}
	cost, ok = graphql.GetOperationContext(ctx).Stats.GetExtension(extensionName).(int)
	return cost, ok
}
