package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// statementLog keeps the SQL of requests (not background work).
type statementLog struct {
	mu   sync.Mutex
	sqls []string
}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sqls
	l.sqls = nil
	return s
}

// outboxStatement says whether sql is the outbox's message insert. The
// hook's other two statements are not told apart here: its read of the
// customer looks like the import's own, and River inserts the dispatch
// job through its own driver on the same *sql.Tx, which OnStatement
// (ent's driver) never sees.
func outboxStatement(sql string) bool {
	return strings.Contains(sql, "INSERT INTO `messages`") || strings.Contains(sql, `INSERT INTO "messages"`)
}

// BenchmarkImportOrderOutbox is the outbox's cost on the write that feeds
// it: importOrder through the API (two lines, as the store's integration),
// which queues the confirmation in its transaction. It reports µs and SQL
// statements (through ent) per import, and how many of those are the
// outbox's message insert (see outboxStatement for the two it cannot
// tell apart). BenchmarkConfirmationQueue
// times the hook's work alone; import "without the hook" is the
// difference (the hook is registered on the ent client at start and
// cannot be taken off a running server).
func BenchmarkImportOrderOutbox(b *testing.B) {
	var log statementLog
	s := testserver.Start(b, "", func(c *app.Config) {
		c.Jobs.SweepInterval = -1
		c.OnStatement = func(ctx context.Context, sql string) {
			if ctx.Value(http.LocalAddrContextKey) != nil {
				log.mu.Lock()
				log.sqls = append(log.sqls, sql)
				log.mu.Unlock()
			}
		}
	})
	token := s.Integration(b)
	// One import first: caches, prepared statements, the customer row.
	s.GQL(b, token, testserver.ImportOrderMutation, testserver.ImportOrderVars(testserver.OrderSpec{Email: "bench@example.com", Number: "W-0", Items: 2})).MustOK(b, nil)
	log.take()
	var stmts, outbox int
	b.ResetTimer()
	for i := range b.N {
		s.GQL(b, token, testserver.ImportOrderMutation,
			testserver.ImportOrderVars(testserver.OrderSpec{Email: "bench@example.com", Number: fmt.Sprintf("B-%d", i), Items: 2})).MustOK(b, nil)
		for _, q := range log.take() {
			stmts++
			if outboxStatement(q) {
				outbox++
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/import")
	b.ReportMetric(float64(stmts)/float64(b.N), "stmts/import")
	b.ReportMetric(float64(outbox)/float64(b.N), "outbox-stmts/import")
}

// BenchmarkConfirmationQueue times what the confirmation hook adds to an
// import, alone: in a transaction, read the customer and Queue the
// message (insert with ON CONFLICT DO NOTHING, then its River job).
func BenchmarkConfirmationQueue(b *testing.B) {
	s := testserver.Start(b, "", func(c *app.Config) { c.Jobs.SweepInterval = -1 })
	s.GQL(b, s.Integration(b), testserver.ImportOrderMutation, testserver.ImportOrderVars(testserver.OrderSpec{Email: "bench@example.com", Number: "Q-0", Items: 2})).MustOK(b, nil)
	ctx := auth.WithSystem(context.Background())
	o, err := s.DB.Order.Query().Where(order.Number("Q-0")).Only(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		err := s.DB.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			cu, err := tx.Customer.Get(ctx, o.CustomerID)
			if err != nil {
				return err
			}
			_, _, err = s.Notify.Queue(ctx, tx, notify.Msg{Kind: message.KindORDER_CONFIRMATION, Channel: message.ChannelEMAIL,
				DedupeKey: fmt.Sprintf("bench:%d", i), Recipient: cu.Email, CustomerID: &cu.ID, OrderID: &o.ID})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/queue")
}
