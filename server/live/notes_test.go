package live_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/pubsub/pgnotify"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// A feed of notes is the smallest real feed: a change-log table of its own
// (notes_<namespace>: id, topic, body, hidden), a Source over it and a
// writer that publishes in the writing transaction, as a concept package
// would write them. Topics are keyed by name; the topic "secret" exists for
// no one; hidden notes reach staff only.

// note is what a notes subscriber's selection is rendered on.
type note struct {
	Cursor string
	Body   string
	Hidden bool
}

// notes is one notes feed and its writer.
type notes struct {
	*live.Feed[string, *note]
	db     *db.DB
	broker pubsub.Broker
	table  string
	// lock makes writers take turns per topic (live.LockTopic); without
	// it they race, which only the commit-order check may notice.
	lock bool
}

type noteSource struct {
	sql     *sql.DB
	table   string
	cursors live.Cursors
}

func (s noteSource) Authorize(ctx context.Context, key string) (live.Filter[*note], error) {
	v, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to subscribe")
	case key == "secret":
		return nil, errs.Errorf(errs.NotFound, "no topic %s", key)
	case v.IsStaff():
		return nil, nil
	}
	return func(n *note) bool { return !n.Hidden }, nil
}

func (s noteSource) Read(ctx context.Context, key string, after, limit int) ([]live.Change[*note], error) {
	rows, err := s.sql.QueryContext(ctx, "SELECT id, body, hidden FROM "+s.table+" WHERE topic = $1 AND id > $2 ORDER BY id LIMIT $3", key, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []live.Change[*note]
	for rows.Next() {
		var c live.Change[*note]
		n := &note{}
		if err := rows.Scan(&c.Position, &n.Body, &n.Hidden); err != nil {
			return nil, err
		}
		n.Cursor, c.Value = s.cursors.Encode(c.Position), n
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s noteSource) Latest(ctx context.Context, key string) (int, error) {
	var id int
	err := s.sql.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+s.table+" WHERE topic = $1", key).Scan(&id)
	return id, err
}

// newNotes creates the feed's table and registers the feed on e.
func newNotes(t testing.TB, e *live.Engine, d *db.DB, b pubsub.Broker, namespace string) *notes {
	t.Helper()
	table := "notes_" + namespace
	id := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if d.Dialect == dialect.Postgres {
		id = "BIGSERIAL PRIMARY KEY"
	}
	if _, err := d.SQL.ExecContext(t.Context(), "CREATE TABLE "+table+" (id "+id+", topic TEXT NOT NULL, body TEXT NOT NULL, hidden BOOLEAN NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	cursors := live.Cursors(namespace)
	f := live.NewFeed(e, live.Config[string, *note]{Namespace: namespace, Cursors: cursors, Source: noteSource{sql: d.SQL, table: table, cursors: cursors}})
	return &notes{Feed: f, db: d, broker: b, table: table, lock: true}
}

// write commits a note on topic, through hooks that let a test hold the
// transaction open after the insert (inserted) and before the commit.
func (n *notes) write(ctx context.Context, topic, body string, hidden bool, inserted func()) error {
	return n.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if n.lock {
			if err := live.LockTopic(ctx, tx, n.db.Dialect, n.Topic(topic)); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, "INSERT INTO "+n.table+" (topic, body, hidden) VALUES ($1, $2, $3) RETURNING id", topic, body, hidden)
		if err != nil {
			return err
		}
		var id int
		if rows.Next() {
			err = rows.Scan(&id)
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if inserted != nil {
			inserted()
		}
		return n.broker.Publish(ctx, tx, pubsub.Message{Topic: n.Topic(topic), ID: id})
	})
}

// openDB opens dbURL ("" for SQLite in a temp dir) with its broker.
func openDB(t testing.TB, dbURL string) (*db.DB, pubsub.Broker) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := db.Open(db.Config{URL: dbURL, DataDir: t.TempDir(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	var b pubsub.Broker = inmem.New()
	if dbURL != "" {
		if b, err = pgnotify.New(t.Context(), dbURL, log); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = b.Close() })
	return d, b
}

// eachDB runs f on SQLite and on a fresh Postgres database.
func eachDB(t *testing.T, f func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "") })
	t.Run("postgres", func(t *testing.T) { f(t, pgtest.Get(t).NewDatabase(t)) })
}

var (
	staff    = &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"}
	customer = &auth.Viewer{Role: auth.RoleCustomer, Email: "mina@example.com", Subject: "mina@example.com", CustomerID: 7}
)

func as(v *auth.Viewer) context.Context { return auth.NewContext(context.Background(), v) }

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
