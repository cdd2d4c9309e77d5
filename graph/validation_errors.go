package graph

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// MaxErrors is the most errors a response carries; past it, one more error
// says how many were left out. Validation stops building errors there, and
// ValidationGuard trims any response to it.
const MaxErrors = 20

// errorBudget counts the validation errors of one document across every
// rule. Past max, a rule's error is not built at all (its options, which
// format the message, are never applied); the first one past it becomes a
// closing error whose message counts all the omitted ones.
type errorBudget struct {
	max     int
	added   int
	omitted int
	closing *gqlerror.Error
}

// rule wraps f so that its errors go through the budget.
func (b *errorBudget) rule(f core.RuleFunc) core.RuleFunc {
	return func(observers *core.Events, addError core.AddErrFunc) {
		f(observers, b.wrap(addError))
	}
}

func (b *errorBudget) wrap(addError core.AddErrFunc) core.AddErrFunc {
	return func(options ...core.ErrorOption) {
		if b.added < b.max {
			b.added++
			addError(options...)
			return
		}
		b.omitted++
		if b.closing == nil {
			// The validator appends the error it builds; keep a pointer to
			// rewrite its message as more are omitted.
			addError(func(e *gqlerror.Error) { b.closing = e })
		}
		b.closing.Message = omittedMessage(b.omitted)
	}
}

func omittedMessage(n int) string {
	if n == 1 {
		return "1 more error omitted"
	}
	return strconv.Itoa(n) + " more errors omitted"
}
