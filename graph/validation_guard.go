package graph

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Bounds checked by ValidationGuard before gqlgen validates a document.
const (
	// MaxValidationNodes bounds the nodes (operations, fields, fragments,
	// arguments, values, directives, variables) gqlparser's validator
	// visits for one document, counting each fragment once for every
	// operation and fragment that reaches it, as the validator walks them.
	// It equals ParserTokenLimit: fragments cannot make validation walk more
	// than the largest document the parser accepts.
	MaxValidationNodes = ParserTokenLimit
	// MaxFragments bounds the fragment definitions of a document
	// (NoFragmentCycles looks each spread's fragment up by a linear search).
	MaxFragments = 250
	// MaxVariables bounds the variables of an operation (the validator
	// looks each variable use up by a linear search).
	MaxVariables = 100
	// MaxNameLength bounds the bytes of every name in a document (fields,
	// aliases, arguments, fragments, variables, directives, types): error
	// messages echo names, and "did you mean" suggestions (development
	// mode) compute an edit distance per unknown one.
	MaxNameLength = 256
	// maxErrorMessage bounds the bytes of one error message.
	maxErrorMessage = 200
)

// ValidationGuard is a gqlgen handler extension that keeps every request
// cheap to validate and every answer small (see validation.go):
//
//   - before gqlgen parses and validates a query, it parses it (with the
//     same token limit) and refuses, with one GRAPHQL_VALIDATION_FAILED
//     error, a document over MaxValidationNodes, MaxFragments, MaxVariables
//     or MaxNameLength. Parsing twice costs microseconds for a normal
//     query; only the validator's walk, which can be quadratic, is avoided.
//     A query already in gqlgen's query cache (Cache) is not parsed at
//     all: it passed before, and gqlgen uses the cached document (for
//     OrderStatus this saves 136 of ~3,000 allocations per request);
//   - a document over LargeDocumentBytes is parsed and validated by at most
//     GOMAXPROCS/2 requests at a time (at least one); the others wait,
//     blocked rather than runnable. A hundred large documents at once take
//     a few milliseconds each, but a hundred runnable goroutines put every
//     other request at the back of the scheduler's queue at each step:
//     OrderStatus went from 3 ms to a p99 of 480 ms meanwhile;
//   - around every response, it keeps MaxErrors errors and replaces the rest
//     with one error counting them (carrying the first omitted error's
//     code), and cuts messages to a few hundred bytes.
//
// Add it before AutomaticPersistedQuery, so that a query is checked before
// that cache stores it.
type ValidationGuard struct {
	// Cache, when set, is the server's parsed-query cache: a query found
	// there has passed this guard and gqlgen's validation before, and
	// gqlgen will neither parse nor validate it again, so the guard lets
	// it through without parsing it (most requests of a real client).
	Cache graphql.Cache[*ast.QueryDocument]

	slots   chan struct{}
	holding sync.Map // *graphql.OperationContext → *sync.Once releasing its slot
}

// LargeDocumentBytes is the size from which ValidationGuard validates a
// document under its concurrency limit. Every operation of the web demo is
// a fraction of it.
const LargeDocumentBytes = 4 << 10

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = (*ValidationGuard)(nil)

// ExtensionName implements graphql.HandlerExtension.
func (*ValidationGuard) ExtensionName() string { return "ValidationGuard" }

// Validate implements graphql.HandlerExtension; gqlgen calls it once, when
// the extension is added.
func (g *ValidationGuard) Validate(graphql.ExecutableSchema) error {
	g.slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
	return nil
}

// MutateOperationParameters implements graphql.OperationParameterMutator:
// it takes a slot for a large document, and refuses a document too big to
// validate.
func (g *ValidationGuard) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // a persisted query by hash: checked when it was stored
	}
	if g.Cache != nil {
		if _, ok := g.Cache.Get(ctx, p.Query); ok {
			return nil
		}
	}
	if len(p.Query) > LargeDocumentBytes && g.slots != nil {
		if err := g.acquire(ctx); err != nil {
			return err
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, ParserTokenLimit)
	if err != nil {
		return nil // gqlgen parses it again and reports the error
	}
	if msg := checkDocumentSize(doc); msg != "" {
		if graphql.HasOperationContext(ctx) {
			g.release(graphql.GetOperationContext(ctx)) // nothing more to validate
		}
		e := gqlerror.Errorf("%s", msg)
		errcode.Set(e, errcode.ValidationFailed)
		return e
	}
	return nil
}

// acquire waits for a slot, held until gqlgen has validated the document
// (MutateOperationContext), or answered it with errors
// (InterceptResponse), or the request ends, whichever comes first.
func (g *ValidationGuard) acquire(ctx context.Context) *gqlerror.Error {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		e := gqlerror.Errorf("request canceled")
		e.Extensions = map[string]any{"code": "CANCELED"}
		return e
	}
	once := new(sync.Once)
	release := func() { once.Do(func() { <-g.slots }) }
	if graphql.HasOperationContext(ctx) {
		opCtx := graphql.GetOperationContext(ctx)
		g.holding.Store(opCtx, release)
		context.AfterFunc(ctx, func() { g.release(opCtx) })
		return nil
	}
	release() // no operation to key it by: cannot happen inside gqlgen
	return nil
}

// release frees the slot opCtx holds, if any.
func (g *ValidationGuard) release(opCtx *graphql.OperationContext) {
	if f, ok := g.holding.LoadAndDelete(opCtx); ok {
		f.(func())()
	}
}

// MutateOperationContext implements graphql.OperationContextMutator: gqlgen
// calls it once the document is validated, so the slot is freed there.
func (g *ValidationGuard) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	g.release(opCtx)
	return nil
}

// InterceptResponse implements graphql.ResponseInterceptor: it frees the
// slot of a document refused with errors, and caps the response's errors.
func (g *ValidationGuard) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		g.release(graphql.GetOperationContext(ctx))
	}
	resp := next(ctx)
	if resp != nil {
		resp.Errors = capErrors(resp.Errors)
	}
	return resp
}

// capErrors keeps MaxErrors errors, plus one counting the rest, and cuts
// long messages. A list of MaxErrors+1 is left as it is: validation already
// ended it with its own counting error.
func capErrors(errs gqlerror.List) gqlerror.List {
	if len(errs) > MaxErrors+1 {
		omitted := errs[MaxErrors:]
		closing := &gqlerror.Error{Message: omittedMessage(len(omitted))}
		if code, ok := omitted[0].Extensions["code"]; ok {
			closing.Extensions = map[string]any{"code": code}
		}
		errs = append(errs[:MaxErrors:MaxErrors], closing)
	}
	for _, e := range errs {
		if len(e.Message) > maxErrorMessage {
			e.Message = truncate(e.Message, maxErrorMessage)
		}
	}
	return errs
}

// truncate cuts s to at most n bytes, on a rune boundary, marking the cut;
// a shorter s is returned as is.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && i < len(s) && s[i]&0xC0 == 0x80 {
		i-- // inside a UTF-8 sequence
	}
	return s[:i] + "…"
}

// checkDocumentSize returns why doc is too big to validate, or "".
func checkDocumentSize(doc *ast.QueryDocument) string {
	if len(doc.Fragments) > MaxFragments {
		return fmt.Sprintf("the document has more than %d fragments", MaxFragments)
	}
	for _, op := range doc.Operations {
		if len(op.VariableDefinitions) > MaxVariables {
			return fmt.Sprintf("an operation has more than %d variables", MaxVariables)
		}
	}
	w := newWalkSize(doc)
	if !w.within(MaxValidationNodes) {
		return fmt.Sprintf("the document is too big to validate: with its fragments expanded once per operation and fragment that uses them, it has more than %d nodes", MaxValidationNodes)
	}
	if w.longName != nil {
		return fmt.Sprintf("a name at %d:%d is longer than %d bytes", w.longName.Line, w.longName.Column, MaxNameLength)
	}
	return ""
}

// walkSize models what gqlparser's validator walks: every operation and
// every fragment definition, each with the fragments it reaches (directly or
// through other fragments) walked once more. On the way it notes a name
// longer than MaxNameLength.
type walkSize struct {
	doc      *ast.QueryDocument
	own      map[string]int      // a fragment's nodes, spreads not entered
	spreads  map[string][]string // the fragments a fragment spreads, once each
	longName *ast.Position
}

func newWalkSize(doc *ast.QueryDocument) *walkSize {
	w := &walkSize{doc: doc, own: make(map[string]int, len(doc.Fragments)), spreads: make(map[string][]string, len(doc.Fragments))}
	for _, f := range doc.Fragments {
		w.name(f.Position, f.Name, f.TypeCondition)
		if _, dup := w.own[f.Name]; dup {
			continue // the validator uses the first of a name
		}
		seen := map[string]bool{}
		var names []string
		n := 1 + w.directives(f.Directives) + w.selection(f.SelectionSet, func(name string) {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		})
		w.own[f.Name], w.spreads[f.Name] = n, names
	}
	return w
}

// within reports whether the whole walk stays within max nodes. It stops
// counting as soon as it does not, so it costs at most max steps past
// reading the document once.
func (w *walkSize) within(max int) bool {
	total := 0
	visited := map[string]bool{}
	// reach adds the fragments reachable from names, each once per root.
	reach := func(names []string) bool {
		stack := append([]string(nil), names...)
		for len(stack) > 0 {
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n, ok := w.own[name]
			if !ok || visited[name] {
				continue
			}
			visited[name] = true
			if total += n; total > max {
				return false
			}
			stack = append(stack, w.spreads[name]...)
		}
		return true
	}
	for _, op := range w.doc.Operations {
		clear(visited)
		w.name(op.Position, op.Name)
		var names []string
		n := 1 + w.directives(op.Directives) + w.selection(op.SelectionSet, func(name string) { names = append(names, name) })
		for _, v := range op.VariableDefinitions {
			w.name(v.Position, v.Variable)
			for t := v.Type; t != nil; t = t.Elem {
				w.name(v.Position, t.NamedType)
			}
			n += 1 + w.value(v.DefaultValue) + w.directives(v.Directives)
		}
		if total += n; total > max || !reach(names) {
			return false
		}
	}
	for _, f := range w.doc.Fragments {
		clear(visited)
		if !reach([]string{f.Name}) {
			return false
		}
	}
	return true
}

// name notes the first name longer than MaxNameLength.
func (w *walkSize) name(at *ast.Position, names ...string) {
	for _, n := range names {
		if len(n) > MaxNameLength && w.longName == nil {
			w.longName = at
			if w.longName == nil {
				w.longName = &ast.Position{}
			}
		}
	}
}

// selection counts the nodes of set without entering fragment spreads,
// calling spread for each.
func (w *walkSize) selection(set ast.SelectionSet, spread func(name string)) int {
	n := 0
	for _, sel := range set {
		n++
		switch s := sel.(type) {
		case *ast.Field:
			w.name(s.Position, s.Alias, s.Name)
			n += w.arguments(s.Arguments) + w.directives(s.Directives) + w.selection(s.SelectionSet, spread)
		case *ast.InlineFragment:
			w.name(s.Position, s.TypeCondition)
			n += w.directives(s.Directives) + w.selection(s.SelectionSet, spread)
		case *ast.FragmentSpread:
			w.name(s.Position, s.Name)
			n += w.directives(s.Directives)
			spread(s.Name)
		}
	}
	return n
}

func (w *walkSize) arguments(args ast.ArgumentList) int {
	n := 0
	for _, a := range args {
		w.name(a.Position, a.Name)
		n += w.value(a.Value)
	}
	return n
}

func (w *walkSize) directives(ds ast.DirectiveList) int {
	n := 0
	for _, d := range ds {
		w.name(d.Position, d.Name)
		n += 1 + w.arguments(d.Arguments)
	}
	return n
}

func (w *walkSize) value(v *ast.Value) int {
	if v == nil {
		return 0
	}
	if v.Kind == ast.Variable || v.Kind == ast.EnumValue {
		w.name(v.Position, v.Raw)
	}
	n := 1
	for _, c := range v.Children {
		if v.Kind == ast.ObjectValue {
			w.name(c.Position, c.Name)
		}
		n += w.value(c.Value)
	}
	return n
}
