package cost_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aftercart/aftercart/graph/cost"
)

const testBudget = 10_000

// costRecorder is an extension installed after Limit, standing in for the
// per-viewer rate limiter that reads the cost.
type costRecorder struct{ cost atomic.Int64 }

func (*costRecorder) ExtensionName() string                   { return "costRecorder" }
func (*costRecorder) Validate(graphql.ExecutableSchema) error { return nil }
func (r *costRecorder) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	if n, ok := cost.FromContext(ctx); ok {
		r.cost.Store(int64(n))
	}
	return nil
}

// testServer is gqlgen's real executor over testSchema, driven the way its
// HTTP and websocket transports drive it, with an ExecutableSchema that only
// records that it ran: any call means a resolver (and SQL) would have run.
type testServer struct {
	exec     *executor.Executor
	executed atomic.Bool
	recorder *costRecorder
}

func newTestServer(tb testing.TB) *testServer {
	tb.Helper()
	ts := &testServer{recorder: &costRecorder{}}
	es := &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return testSchema },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			ts.executed.Store(true)
			return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{"ran":true}`)})
		},
	}
	ts.exec = executor.New(es)
	ts.exec.Use(cost.New(testBudget))
	ts.exec.Use(ts.recorder)
	return ts
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post runs one request as transport.POST does (JSON numbers stay
// json.Number) and returns the response as the client decodes it.
func (ts *testServer) post(tb testing.TB, query, varsJSON string) response {
	tb.Helper()
	params := &graphql.RawParams{Query: query}
	if varsJSON != "" {
		dec := json.NewDecoder(strings.NewReader(varsJSON))
		dec.UseNumber()
		if err := dec.Decode(&params.Variables); err != nil {
			tb.Fatal(err)
		}
	}
	ctx := graphql.StartOperationTrace(context.Background())
	var resp *graphql.Response
	opCtx, errList := ts.exec.CreateOperationContext(ctx, params)
	if errList != nil {
		resp = ts.exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errList)
	} else {
		handle, ctx := ts.exec.DispatchOperation(ctx, opCtx)
		resp = handle(ctx)
	}
	body, err := json.Marshal(resp)
	if err != nil {
		tb.Fatal(err)
	}
	var out response
	if err := json.Unmarshal(body, &out); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
	return out
}

func TestLimitInExecutor(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		vars       string
		wantCode   string // "" means executed
		wantMsg    string
		wantCost   float64
		wantBudget float64
	}{
		{name: "within budget", query: `{ orders(first: 10) { totalCount } }`},
		{name: "variable", query: `query($n: Int!) { orders(first: $n) { totalCount } }`, vars: `{"n": 100}`},
		{
			name:     "missing first",
			query:    `{ orders { edges { node { id } } } }`,
			wantCode: "INVALID_INPUT",
			wantMsg:  `orders: "first" or "last" is required (1..100)`,
		},
		{
			name:     "variable out of range",
			query:    `query($n: Int!) { orders(first: $n) { totalCount } }`,
			vars:     `{"n": 101}`,
			wantCode: "INVALID_INPUT",
			wantMsg:  `orders: "first" must be in 1..100, got 101`,
		},
		{
			name:       "200 aliases",
			query:      aliases(200, "orders(first: 100) { totalCount }"),
			wantCode:   "QUERY_TOO_EXPENSIVE",
			wantMsg:    "operation costs 20200, over the budget of 10000",
			wantCost:   20200,
			wantBudget: testBudget,
		},
		{
			name:       "nested connections",
			query:      `{ orders(first: 100) { edges { node { shipments { events(first: 100) { edges { node { status } } } } } } } }`,
			wantCode:   "QUERY_TOO_EXPENSIVE",
			wantCost:   1 + 100*(1+(1+(1+(1+100*3)))),
			wantBudget: testBudget,
		},
		{
			name:       "fragment bomb",
			query:      bomb(22),
			wantCode:   "QUERY_TOO_EXPENSIVE",
			wantCost:   1 + 1<<22,
			wantBudget: testBudget,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			resp := ts.post(t, tt.query, tt.vars)

			if tt.wantCode == "" {
				if len(resp.Errors) > 0 || !ts.executed.Load() {
					t.Fatalf("errors %+v, executed %v; want execution", resp.Errors, ts.executed.Load())
				}
				if ts.recorder.cost.Load() == 0 {
					t.Error("FromContext gave later extensions no cost")
				}
				return
			}
			if ts.executed.Load() {
				t.Error("the operation was executed")
			}
			if len(resp.Errors) != 1 {
				t.Fatalf("errors = %+v, want one", resp.Errors)
			}
			got := resp.Errors[0]
			if got.Extensions["code"] != tt.wantCode {
				t.Errorf("extensions.code = %v, want %s", got.Extensions["code"], tt.wantCode)
			}
			if !strings.HasPrefix(got.Message, tt.wantMsg) {
				t.Errorf("message = %q, want prefix %q", got.Message, tt.wantMsg)
			}
			if tt.wantCost != 0 && (got.Extensions["cost"] != tt.wantCost || got.Extensions["budget"] != tt.wantBudget) {
				t.Errorf("extensions = %v, want cost %v and budget %v", got.Extensions, tt.wantCost, tt.wantBudget)
			}
		})
	}
}

func TestLimitFragmentBombThroughExecutorIsFast(t *testing.T) {
	for name, query := range map[string]string{"flat": bomb(22), "nested": nestedBomb(22)} {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t)
			start := time.Now()
			resp := ts.post(t, query, "")
			elapsed := time.Since(start)
			t.Logf("%d-byte fragment bomb: parse + validate + cost in %v", len(query), elapsed)
			if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "QUERY_TOO_EXPENSIVE" {
				t.Fatalf("errors = %+v", resp.Errors)
			}
			if ts.executed.Load() {
				t.Error("the operation was executed")
			}
			// RELIABILITY.md wants < 100 ms; the generous bound keeps slow CI
			// machines green while still catching a re-walk (seconds to minutes).
			if elapsed > 2*time.Second {
				t.Fatalf("took %v", elapsed)
			}
		})
	}
}

// TestMutateOperationContext drives the extension by hand, the way gqlgen's
// executor does after validation.
func TestMutateOperationContext(t *testing.T) {
	limit := cost.New(100)
	es := &graphql.ExecutableSchemaMock{SchemaFunc: func() *ast.Schema { return testSchema }}
	if err := limit.Validate(es); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		query    string
		wantCode string
		wantCost int
	}{
		{name: "within", query: `{ orders(first: 99) { totalCount } }`, wantCost: 100},
		{name: "over", query: `{ orders(first: 100) { totalCount } }`, wantCode: "QUERY_TOO_EXPENSIVE", wantCost: 101},
		{name: "unpaginated", query: `{ orders { totalCount } }`, wantCode: "INVALID_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustOperation(t, tt.query)
			opCtx := &graphql.OperationContext{RawQuery: tt.query, Operation: op, Variables: map[string]any{}}
			ctx := graphql.WithOperationContext(context.Background(), opCtx)

			gqlErr := limit.MutateOperationContext(ctx, opCtx)
			if tt.wantCode == "" {
				if gqlErr != nil {
					t.Fatalf("MutateOperationContext = %v", gqlErr)
				}
			} else if gqlErr == nil || gqlErr.Extensions["code"] != tt.wantCode {
				t.Fatalf("MutateOperationContext = %v, want code %s", gqlErr, tt.wantCode)
			}

			got, ok := cost.FromContext(ctx)
			if tt.wantCost == 0 {
				if ok {
					t.Errorf("FromContext = %d, want none", got)
				}
				return
			}
			if !ok || got != tt.wantCost {
				t.Errorf("FromContext = %d, %v; want %d", got, ok, tt.wantCost)
			}
			if tt.wantCode != "" && (gqlErr.Extensions["cost"] != tt.wantCost || gqlErr.Extensions["budget"] != 100) {
				t.Errorf("extensions = %v", gqlErr.Extensions)
			}
		})
	}
}

func TestLimitMisuse(t *testing.T) {
	es := &graphql.ExecutableSchemaMock{SchemaFunc: func() *ast.Schema { return testSchema }}
	if err := cost.New(0).Validate(es); err == nil {
		t.Error("Validate accepted a zero budget")
	}

	op := mustOperation(t, `{ viewer { id } }`)
	opCtx := &graphql.OperationContext{Operation: op}
	if err := cost.New(10).MutateOperationContext(context.Background(), opCtx); err == nil {
		t.Error("a Limit that was never validated let an operation through")
	}

	if _, ok := cost.FromContext(context.Background()); ok {
		t.Error("FromContext found a cost without an operation")
	}
}
