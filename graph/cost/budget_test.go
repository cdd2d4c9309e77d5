package cost_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/graph/cost"
)

type clientKey struct{}

// budgetServer runs gqlgen's executor with Limit then Budget, charging
// operations to the client named in the context, on a clock the test moves.
type budgetServer struct {
	exec *executor.Executor
	mu   sync.Mutex
	now  time.Time
}

func newBudgetServer(tb testing.TB, burst int, perSecond float64) *budgetServer {
	tb.Helper()
	s := &budgetServer{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	es := &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return testSchema },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{"ran":true}`)})
		},
	}
	s.exec = executor.New(es)
	s.exec.Use(cost.New(testBudget))
	s.exec.Use(&cost.Budget{
		Burst:     burst,
		PerSecond: perSecond,
		Key: func(ctx context.Context) (string, cost.Rate) {
			k, _ := ctx.Value(clientKey{}).(string)
			switch k {
			case "staff":
				return k, cost.Rate{Burst: 10 * burst, PerSecond: 10 * perSecond}
			case "integration":
				return k, cost.Rate{Burst: 100 * burst, PerSecond: 1000 * perSecond}
			}
			return k, cost.Rate{}
		},
		Now: func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now },
	})
	return s
}

func (s *budgetServer) advance(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

// run executes query for client and returns the error code ("" if it ran)
// and the error's extensions.
func (s *budgetServer) run(tb testing.TB, client, query string) (string, map[string]any) {
	tb.Helper()
	ctx := graphql.StartOperationTrace(context.WithValue(context.Background(), clientKey{}, client))
	_, errList := s.exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query})
	if errList == nil {
		return "", nil
	}
	if len(errList) != 1 {
		tb.Fatalf("errors %v", errList)
	}
	code, _ := errList[0].Extensions["code"].(string)
	return code, errList[0].Extensions
}

// costs 1 + 100 × 1 = 101 points.
const q101 = `{ orders(first: 100) { totalCount } }`

func TestBudgetThrottlesPerClient(t *testing.T) {
	s := newBudgetServer(t, 1000, 101) // ~9 operations at once, one more per second

	for i := range 9 {
		if code, _ := s.run(t, "mina", q101); code != "" {
			t.Fatalf("operation %d within the burst: %s", i+1, code)
		}
	}
	code, ext := s.run(t, "mina", q101)
	if code != "THROTTLED" {
		t.Fatalf("10th operation in the same instant: code %q, want THROTTLED", code)
	}
	if ext["retryAfter"] != 1 || ext["cost"] != 101 {
		t.Errorf("extensions %v, want retryAfter 1 and cost 101", ext)
	}
	// A refused operation costs nothing: still throttled, not deeper in debt.
	if code, _ := s.run(t, "mina", q101); code != "THROTTLED" {
		t.Fatalf("11th: %q", code)
	}

	// Another client has its own bucket; staff get ten times the budget.
	if code, _ := s.run(t, "leo", q101); code != "" {
		t.Fatalf("another client throttled: %s", code)
	}
	for i := range 99 {
		if code, _ := s.run(t, "staff", q101); code != "" {
			t.Fatalf("staff operation %d: %s", i+1, code)
		}
	}
	if code, _ := s.run(t, "staff", q101); code != "THROTTLED" {
		t.Fatalf("staff over ten times the burst: %q", code)
	}

	// The bucket drains at PerSecond: after a second one more fits, and
	// after ten the whole burst again.
	s.advance(time.Second)
	if code, _ := s.run(t, "mina", q101); code != "" {
		t.Fatalf("after a second: %s", code)
	}
	if code, _ := s.run(t, "mina", q101); code != "THROTTLED" {
		t.Fatalf("second one after a second: %q", code)
	}
	s.advance(10 * time.Second)
	for i := range 9 {
		if code, _ := s.run(t, "mina", q101); code != "" {
			t.Fatalf("after ten seconds, operation %d: %s", i+1, code)
		}
	}
}

func TestBudgetRefusedByLimitCostsNothing(t *testing.T) {
	s := newBudgetServer(t, 1000, 1)
	// Over the per-operation budget: refused by Limit before Budget runs.
	for range 5 {
		if code, _ := s.run(t, "mina", aliases(200, "orders(first: 100) { totalCount }")); code != "QUERY_TOO_EXPENSIVE" {
			t.Fatalf("code %q", code)
		}
	}
	if code, _ := s.run(t, "mina", q101); code != "" {
		t.Fatalf("the refused operations were charged: %s", code)
	}
}

func TestBudgetNeedsLimit(t *testing.T) {
	es := &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return testSchema },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			t.Error("executed without a cost")
			return graphql.OneShot(&graphql.Response{})
		},
	}
	exec := executor.New(es)
	exec.Use(&cost.Budget{Burst: 10, PerSecond: 1, Key: func(context.Context) (string, cost.Rate) { return "x", cost.Rate{} }})
	ctx := graphql.StartOperationTrace(context.Background())
	if _, errList := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: q101}); errList == nil {
		t.Fatal("an operation ran with no cost to charge")
	}
}

// A client with a Rate of its own (here as a store's integration gets one)
// is held to that rate, on the same clock, and told it when refused.
func TestBudgetClientWithItsOwnRate(t *testing.T) {
	s := newBudgetServer(t, 1000, 101) // ordinary: ~9 at once, 1 per second

	// 100 × the burst: 990 operations at once, the 991st refused.
	for i := range 990 {
		if code, _ := s.run(t, "integration", q101); code != "" {
			t.Fatalf("integration operation %d within its burst: %s", i+1, code)
		}
	}
	code, ext := s.run(t, "integration", q101)
	if code != "THROTTLED" || ext["retryAfter"] != 1 {
		t.Fatalf("991st at once: %q %v, want THROTTLED with retryAfter 1", code, ext)
	}
	// 1000 × the refill: 500 more every half second.
	s.advance(500 * time.Millisecond)
	for i := range 500 {
		if code, _ := s.run(t, "integration", q101); code != "" {
			t.Fatalf("half a second later, operation %d: %s", i+1, code)
		}
	}
	if code, _ := s.run(t, "integration", q101); code != "THROTTLED" {
		t.Fatalf("501st in that half second: %q", code)
	}
	// Ordinary clients keep the ordinary rate.
	for range 9 {
		s.run(t, "mina", q101)
	}
	if code, _ := s.run(t, "mina", q101); code != "THROTTLED" {
		t.Fatalf("an ordinary client got more than its burst: %q", code)
	}
}
