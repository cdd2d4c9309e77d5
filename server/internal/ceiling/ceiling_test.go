package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"entgo.io/contrib/entgql"

	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/benchdata"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// response is the part of OrderStatus's answer this test reads; the server's
// TestOrderStatusBenchSmoke compares every field with aftercart's.
type response struct {
	Data struct {
		Order *struct {
			Number    string
			Items     []json.RawMessage
			Shipments []struct {
				ID     string
				Events struct {
					Edges    []json.RawMessage
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
		}
	}
}

func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	res, err := http.Post(url+"/query", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestCeiling(t *testing.T) {
	d, err := db.Open(db.Config{URL: pgtest.Get(t).NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	spec, _ := benchdata.ForScale(0.0002)
	ds, err := benchdata.Load(t.Context(), d.SQL, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(t.Context(), d.SQL)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, tc := range []struct {
		number string
		events int
	}{{ds.BigEventsOrder, ds.BigEvents}, {ds.SmallEventsOrder, ds.SmallEvents}} {
		status, body := post(t, srv.URL, fmt.Sprintf(`{"query":"query OrderStatus { ignored }","variables":{"number":%q}}`, tc.number))
		var r response
		if err := json.Unmarshal(body, &r); status != http.StatusOK || err != nil || r.Data.Order == nil {
			t.Fatalf("%s: status %d, %v: %s", tc.number, status, err, body)
		}
		o := r.Data.Order
		if o.Number != tc.number || len(o.Items) != 3 || len(o.Shipments) != 1 {
			t.Fatalf("%s: %s", tc.number, body)
		}
		page := o.Shipments[0].Events
		if len(page.Edges) != 20 || page.PageInfo.HasNextPage != (tc.events > 20) || page.PageInfo.EndCursor == nil {
			t.Errorf("%s: %d edges, pageInfo %+v; want 20 of %d", tc.number, len(page.Edges), page.PageInfo, tc.events)
			continue
		}
		// The cursor is entgql's: it decodes to the 20th newest event.
		var c entgql.Cursor[int]
		if err := c.UnmarshalGQL(*page.PageInfo.EndCursor); err != nil {
			t.Fatalf("%s: endCursor %q: %v", tc.number, *page.PageInfo.EndCursor, err)
		}
		var want int
		if err := d.SQL.QueryRow(`SELECT id FROM tracking_events WHERE shipment_id = $1
			ORDER BY occurred_at DESC, id DESC OFFSET 19 LIMIT 1`, o.Shipments[0].ID).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if c.ID != want || c.Value == nil {
			t.Errorf("%s: endCursor is event %d with value %v, want event %d and its time", tc.number, c.ID, c.Value, want)
		}
	}

	if status, body := post(t, srv.URL, `{"variables":{"number":"NO-SUCH-ORDER"}}`); status != http.StatusOK || string(body) != `{"data":{"order":null}}` {
		t.Errorf("unknown order: %d %s", status, body)
	}
	if status, _ := post(t, srv.URL, `{"query":"{}"}`); status != http.StatusBadRequest {
		t.Errorf("no number: status %d, want 400", status)
	}
}
