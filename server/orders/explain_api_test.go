package orders_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestTimelinePageReadsOnePage: the statement OrderStatus runs for a
// shipment's events reads the first+1 newest entries of its timeline and
// nothing else, however long the timeline is (2,000 events here). The test
// captures the statement the server sent (driver hook) and asks the
// database how it runs it: on Postgres EXPLAIN ANALYZE, whose actual row
// counts must stay within first+1; on SQLite EXPLAIN QUERY PLAN, which must
// read the timeline through the (shipment_id, occurred_at DESC, id DESC)
// index without sorting it.
func TestTimelinePageReadsOnePage(t *testing.T) {
	const (
		events = 2000
		first  = 20
	)
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		var (
			mu       sync.Mutex
			timeline []string
		)
		s := mustServer(t, dbURL, func(c *app.Config) {
			c.OnStatement = func(_ context.Context, q string) {
				if strings.Contains(q, "tracking_events") && (strings.HasPrefix(q, "driver.Query: query=SELECT s.*") || strings.HasPrefix(q, "driver.Query: query=WITH")) {
					mu.Lock()
					timeline = append(timeline, q)
					mu.Unlock()
				}
			}
		})
		statusFixture(t, s, "mina@example.com", "EX-1", 1, events)
		if s.DB.Dialect == "postgres" {
			if _, err := s.DB.SQL.Exec(`ANALYZE`); err != nil { // as autovacuum would
				t.Fatal(err)
			}
		}
		for _, tok := range []string{s.Token(t, auth.RoleCustomer, "mina@example.com"), s.Token(t, auth.RoleAdmin, "")} {
			mu.Lock()
			timeline = nil
			mu.Unlock()
			var res testserver.OrderStatus
			s.GQL(t, tok, testserver.OrderStatusQuery, map[string]any{"number": "EX-1"}).MustOK(t, &res)
			if got := res.Order.Shipments[0].Events; len(got.Edges) != first || !got.PageInfo.HasNextPage {
				t.Fatalf("page of %d events, hasNextPage %v", len(got.Edges), got.PageInfo.HasNextPage)
			}
			mu.Lock()
			stmts := timeline
			mu.Unlock()
			if len(stmts) != 1 {
				t.Fatalf("%d timeline statements: %q", len(stmts), stmts)
			}
			query, args := splitStatement(t, stmts[0])
			if s.DB.Dialect == "postgres" {
				explainPostgres(t, s, query, args, first+1)
			} else {
				explainSQLite(t, s, query, args)
			}
		}
	})
}

// splitStatement parses ent's "driver.Query: query=Q args=[1 2 EX-1]": the
// timeline statement's arguments are integers, and on Postgres (one
// statement) the order's number, which has no spaces.
func splitStatement(t *testing.T, stmt string) (string, []any) {
	t.Helper()
	i := strings.LastIndex(stmt, " args=[")
	if !strings.HasPrefix(stmt, "driver.Query: query=") || i < 0 || !strings.HasSuffix(stmt, "]") {
		t.Fatalf("unexpected statement description %q", stmt)
	}
	var args []any
	for _, f := range strings.Fields(stmt[i+len(" args=[") : len(stmt)-1]) {
		if n, err := strconv.ParseInt(f, 10, 64); err == nil {
			args = append(args, n)
		} else {
			args = append(args, f)
		}
	}
	return stmt[len("driver.Query: query="):i], args
}

// explainPlan is a node of Postgres's EXPLAIN (FORMAT JSON).
type explainPlan struct {
	NodeType         string        `json:"Node Type"`
	Relation         string        `json:"Relation Name"`
	Index            string        `json:"Index Name"`
	ActualRows       float64       `json:"Actual Rows"`
	ActualLoops      float64       `json:"Actual Loops"`
	RemovedByFilter  float64       `json:"Rows Removed by Filter"`
	RemovedByRecheck float64       `json:"Rows Removed by Index Recheck"`
	Plans            []explainPlan `json:"Plans"`
}

// explainPostgres runs query under EXPLAIN ANALYZE and checks that every
// scan of tracking_events reads at most perShipment rows per loop (one loop
// per shipment), counting rows a filter threw away.
func explainPostgres(t *testing.T, s *testServer, query string, args []any, perShipment float64) {
	t.Helper()
	var out []byte
	if err := s.DB.SQL.QueryRow(`EXPLAIN (ANALYZE, FORMAT JSON) `+query, args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan explainPlan }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", out, err)
	}
	scans := 0
	var walk func(p explainPlan)
	walk = func(p explainPlan) {
		if p.Relation == "tracking_events" {
			scans++
			read := p.ActualRows + p.RemovedByFilter + p.RemovedByRecheck // per loop
			t.Logf("%s on tracking_events (index %q): %.0f rows read per loop, %.0f loops", p.NodeType, p.Index, read, p.ActualLoops)
			if read > perShipment {
				t.Errorf("%s reads %.0f tracking_events rows per shipment; want at most %.0f", p.NodeType, read, perShipment)
			}
		}
		for _, c := range p.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	if scans == 0 {
		t.Errorf("no scan of tracking_events in the plan: %s", out)
	}
}

// explainSQLite checks with EXPLAIN QUERY PLAN that the page is read
// through the timeline index and is not sorted: SQLite reports no actual
// row counts, but an index in the page's order with a LIMIT stops after the
// page.
func explainSQLite(t *testing.T, s *testServer, query string, args []any) {
	t.Helper()
	rows, err := s.DB.SQL.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type step struct {
		id, parent int
		detail     string
	}
	var plan []step
	for rows.Next() {
		var st step
		var unused int
		if err := rows.Scan(&st.id, &st.parent, &unused, &st.detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, st)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The correlated subquery that picks a shipment's page, and its steps.
	sub := map[int]bool{}
	for _, st := range plan {
		if strings.Contains(st.detail, "CORRELATED LIST SUBQUERY") || sub[st.parent] {
			sub[st.id] = true
		}
	}
	var lines []string
	usesIndex := false
	for _, st := range plan {
		lines = append(lines, st.detail)
		if !sub[st.id] {
			continue
		}
		if strings.Contains(st.detail, "trackingevent_shipment_id_occurred_at_id") {
			usesIndex = true
		}
		if strings.Contains(st.detail, "TEMP B-TREE") {
			t.Errorf("the page is sorted: %s", st.detail)
		}
	}
	t.Logf("plan:\n  %s", strings.Join(lines, "\n  "))
	if !usesIndex {
		t.Errorf("the page is not read through the timeline index")
	}
}
