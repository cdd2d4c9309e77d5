package db

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/lib/pq"
)

// SSLHint is appended to lib/pq's "SSL is not enabled on the server". lib/pq
// asks for SSL whenever the URL does not say otherwise (it has no silent
// fallback, unlike libpq's default "prefer"), and a Postgres installed
// locally from a package has SSL off: so a newcomer's first DATABASE_URL
// fails with a message that does not say what to change.
const SSLHint = "lib/pq asks for SSL unless DATABASE_URL says otherwise; for a local server add ?sslmode=disable, e.g. postgres://postgres@localhost:5432/aftercart?sslmode=disable"

// WithSSLHint returns err with SSLHint added when err is lib/pq's refusal
// to connect without SSL, and err unchanged otherwise. The result still
// wraps err, so errors.Is and errors.As see the driver's error.
func WithSSLHint(err error) error {
	if err == nil || !errors.Is(err, pq.ErrSSLNotSupported) {
		return err
	}
	return &sslHintError{err: err}
}

type sslHintError struct{ err error }

func (e *sslHintError) Error() string { return e.err.Error() + ": " + SSLHint }
func (e *sslHintError) Unwrap() error { return e.err }

// postgresConnector is lib/pq's connector whose connection errors carry
// SSLHint where it applies, whichever statement happens to open the first
// connection (today the migration lock, tomorrow something else).
func postgresConnector(url string) (driver.Connector, error) {
	c, err := pq.NewConnector(url)
	if err != nil {
		return nil, err
	}
	return sslHintConnector{c}, nil
}

// sslHintConnector is lib/pq's connector with WithSSLHint on Connect.
type sslHintConnector struct{ *pq.Connector }

// Connect implements driver.Connector.
func (c sslHintConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	return conn, WithSSLHint(err)
}
