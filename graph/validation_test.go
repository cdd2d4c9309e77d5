package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/aftercart/aftercart/graph/validationtest"
)

// newValidatingExecutor is gqlgen's executor with the parser and validation
// set-up of NewHandler, enough to parse and validate documents.
func newValidatingExecutor(dev bool) *executor.Executor {
	e := executor.New(NewExecutableSchema(Config{Resolvers: &Resolver{}}))
	e.SetParserTokenLimit(ParserTokenLimit)
	e.SetDisableSuggestion(!dev)
	e.SetDefaultRulesFn(validationRules(dev))
	e.Use(&ValidationGuard{})
	return e
}

// validate runs a document through e as a request would, up to the
// response a failed one gets.
func validate(e *executor.Executor, s validationtest.Shape) *graphql.Response {
	ctx := graphql.StartOperationTrace(context.Background())
	opCtx, errs := e.CreateOperationContext(ctx, &graphql.RawParams{Query: s.Query, OperationName: s.OperationName})
	if errs == nil {
		return nil
	}
	return e.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs) // as gqlgen's transports do
}

// tokens counts a document's lexical tokens as the parser's limit does.
func tokens(tb testing.TB, q string) int {
	l := lexer.New(&ast.Source{Input: q})
	n := 0
	for {
		tok, err := l.ReadToken()
		if err != nil {
			tb.Fatal(err)
		}
		if tok.Kind == lexer.EOF {
			return n
		}
		n++
	}
}

// TestValidationShapes sends every abusive shape through the executor as
// NewHandler builds it, in production and development mode, and checks
// the answer is bounded: valid shapes pass, the others get at most
// MaxErrors+1 errors in a few KB, and validating one allocates a bounded
// amount of memory (before: 62,250 errors, 15-20 MB, ~150 MB of RSS).
func TestValidationShapes(t *testing.T) {
	for _, dev := range []bool{false, true} {
		e := newValidatingExecutor(dev)
		for _, s := range validationtest.Shapes() {
			name := s.Name
			if dev {
				name += "/dev"
			}
			t.Run(name, func(t *testing.T) {
				if n := tokens(t, s.Query); n > ParserTokenLimit || len(s.Query) > MaxBodyBytes-1024 {
					t.Fatalf("the shape does not fit the limits: %d tokens, %d bytes", n, len(s.Query))
				}
				resp := validate(e, s) // warm: lazily built schema state
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				resp = validate(e, s)
				runtime.ReadMemStats(&after)
				alloc := after.TotalAlloc - before.TotalAlloc
				if s.Valid {
					if resp != nil {
						t.Fatalf("a valid document was refused: %v", resp.Errors)
					}
				} else {
					if resp == nil || len(resp.Errors) == 0 {
						t.Fatal("accepted")
					}
					if len(resp.Errors) > MaxErrors+1 {
						t.Errorf("%d errors, want at most %d", len(resp.Errors), MaxErrors+1)
					}
					for _, e := range resp.Errors {
						if e.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" && e.Extensions["code"] != "GRAPHQL_PARSE_FAILED" {
							t.Errorf("error without a validation code: %+v", e)
						}
					}
					body, _ := json.Marshal(resp)
					if len(body) > 8<<10 {
						t.Errorf("the response is %d bytes, want a few KB", len(body))
					}
					t.Logf("%d errors, %d bytes: %s", len(resp.Errors), len(body), first(resp.Errors[0].Message, 100))
				}
				// Parsing the document twice (ValidationGuard, then
				// gqlgen) and walking it takes a few MB at most; an error
				// per node or a quadratic comparison took 150 MB. In
				// development, "did you mean" suggestions cost an edit
				// distance per unknown name: not bounded here.
				if limit := uint64(maxValidationAlloc); !dev && alloc > limit {
					t.Errorf("validation allocated %d KB, want at most %d KB", alloc>>10, limit>>10)
				}
				t.Logf("%d tokens, %d bytes, allocated %d KB", tokens(t, s.Query), len(s.Query), alloc>>10)
			})
		}
	}
}

// maxValidationAlloc bounds what validating one shape may allocate.
const maxValidationAlloc = 16 << 20

func first(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// TestClientOperationsPassTheGuard validates every operation the web demo
// sends through the executor as NewHandler builds it: the bounds refuse
// none of them.
func TestClientOperationsPassTheGuard(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "web-demo", "src", "*", "*.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join("..", "web-demo", "src", "*.graphql"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no .graphql operations found under web-demo/src")
	}
	schema := NewExecutableSchema(Config{}).Schema()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, errs := gqlparser.LoadQueryWithRules(schema, string(src), validationRules(false)())
		if errs != nil {
			t.Errorf("%s: %v", f, errs)
			continue
		}
		if msg := checkDocumentSize(doc); msg != "" {
			t.Errorf("%s: %s", f, msg)
		}
	}
	t.Logf("%d files", len(files))
}

// TestErrorCap checks the closing error counts what validation left out,
// and that ValidationGuard trims any response, whatever made its errors.
func TestErrorCap(t *testing.T) {
	e := newValidatingExecutor(false)
	resp := validate(e, validationtest.Shape{Query: "{ " + strings.Repeat("x ", 100) + "}"})
	if len(resp.Errors) != MaxErrors+1 {
		t.Fatalf("%d errors, want %d", len(resp.Errors), MaxErrors+1)
	}
	if got, want := resp.Errors[MaxErrors].Message, "80 more errors omitted"; got != want {
		t.Errorf("closing error %q, want %q", got, want)
	}
	var errs gqlerror.List
	for i := range 100 {
		errs = append(errs, &gqlerror.Error{Message: fmt.Sprint(i, strings.Repeat("é", 300)), Extensions: map[string]any{"code": "NOT_FOUND"}})
	}
	capped := capErrors(errs)
	if len(capped) != MaxErrors+1 || capped[MaxErrors].Message != "80 more errors omitted" || capped[MaxErrors].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("capped to %d errors, closing %+v", len(capped), capped[len(capped)-1])
	}
	for _, e := range capped {
		if len(e.Message) > maxErrorMessage+len("…") || !utf8.ValidString(e.Message) {
			t.Errorf("message of %d bytes, or cut inside a rune: %q", len(e.Message), e.Message)
		}
	}
}

// TestLargeDocumentSlots checks that every way a large document can end
// frees its validation slot: were one kept, the next large document would
// wait for it until the deadline.
func TestLargeDocumentSlots(t *testing.T) {
	e := newValidatingExecutor(false)
	pad := " " + strings.Repeat("# padding\n", LargeDocumentBytes/10+1)
	for _, q := range []validationtest.Shape{
		{Name: "valid", Query: "{ __typename }" + pad},
		{Name: "refused by the guard", Query: "{ __typename }" + pad + strings.Repeat("fragment F on Query { __typename } ", 300)},
		{Name: "refused by validation", Query: "{ nope }" + pad},
		{Name: "parse error", Query: "{ __typename " + pad},
		{Name: "unknown operation", Query: "query A { __typename }" + pad, OperationName: "B"},
		{Name: "missing variable", Query: "query A($n: Int!) { orders(first: $n) { totalCount } }" + pad},
	} {
		for range 3 {
			ctx, cancel := context.WithTimeout(graphql.StartOperationTrace(context.Background()), 5*time.Second)
			opCtx, errs := e.CreateOperationContext(ctx, &graphql.RawParams{Query: q.Query, OperationName: q.OperationName})
			if errs != nil {
				e.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
			}
			if ctx.Err() != nil {
				t.Fatalf("%s: waited for a slot until the deadline: one was kept", q.Name)
			}
			cancel()
		}
	}
}

// TestGuardSkipsOnlyCachedQueries: with the query cache NewHandler shares
// with it, the guard lets a query through unparsed only once gqlgen has
// validated and cached it; a refused document is never cached, so every
// later copy of it is checked again and gets the same answer.
func TestGuardSkipsOnlyCachedQueries(t *testing.T) {
	e := executor.New(NewExecutableSchema(Config{Resolvers: &Resolver{}}))
	e.SetParserTokenLimit(ParserTokenLimit)
	e.SetDisableSuggestion(true)
	e.SetDefaultRulesFn(validationRules(false))
	queries := newQueryCache()
	e.SetQueryCache(queries)
	e.Use(&ValidationGuard{Cache: queries})
	ctx := context.Background()
	for _, s := range validationtest.Shapes() {
		t.Run(s.Name, func(t *testing.T) {
			answer := func() string {
				resp := validate(e, s)
				if resp == nil {
					return "accepted"
				}
				body, _ := json.Marshal(resp.Errors)
				return string(body)
			}
			first, second := answer(), answer()
			if first != second {
				t.Errorf("first answer %.200s, second %.200s", first, second)
			}
			_, cached := queries.Get(ctx, s.Query)
			switch {
			case s.Valid && first != "accepted":
				t.Errorf("a valid document was refused: %.200s", first)
			case !s.Valid && first == "accepted":
				t.Error("accepted")
			case !s.Valid && cached:
				t.Error("a refused document was cached")
			case s.Valid && len(s.Query) <= MaxCachedQueryBytes && !cached:
				t.Error("a valid document was not cached")
			}
		})
	}
}
