package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// testSecretValue is a secret long enough for either variable.
const testSecretValue = "config-test-secret-0123456789abcdef"

// clearConfigEnv empties every variable the server reads (AFTERCART_* and
// DATABASE_URL), so a developer's environment cannot change a test's outcome.
func clearConfigEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AFTERCART_") || k == "DATABASE_URL" {
			t.Setenv(k, "")
		}
	}
}

// TestConfigProblems checks that ParseFlags reports every missing or invalid
// setting in one error: each case lists the problems it must name, and the
// error must hold exactly that many.
func TestConfigProblems(t *testing.T) {
	secrets := map[string]string{"AFTERCART_JWT_SECRET": testSecretValue, "AFTERCART_WEBHOOK_SECRET": testSecretValue}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range secrets {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // one substring per expected problem
	}{
		{"production with every setting valid", nil, secrets, nil},
		{"development needs no secrets", []string{"-dev"}, nil, nil},
		{"production without either secret", nil, nil, []string{
			"AFTERCART_JWT_SECRET is not set", "AFTERCART_WEBHOOK_SECRET is not set"}},
		{"secrets too short", nil, map[string]string{"AFTERCART_JWT_SECRET": "short", "AFTERCART_WEBHOOK_SECRET": "tiny"}, []string{
			"AFTERCART_JWT_SECRET is 5 bytes, need at least 32", "AFTERCART_WEBHOOK_SECRET is 4 bytes, need at least 32"}},
		{"a short secret is refused in development too", []string{"-dev"}, map[string]string{"AFTERCART_WEBHOOK_SECRET": "tiny"}, []string{
			"AFTERCART_WEBHOOK_SECRET is 4 bytes"}},
		{"database URL of another database", nil, with(map[string]string{"DATABASE_URL": "mysql://root:hunter2@db/aftercart"}), []string{
			`DATABASE_URL) has scheme "mysql"`}},
		{"database URL in key=value form", []string{"-database-url", "host=db dbname=aftercart"}, secrets, []string{
			`has scheme ""; want postgres://`}},
		{"carrier simulator without -dev", []string{"-simulate-carriers", "1s"}, secrets, []string{
			"-simulate-carriers (AFTERCART_SIMULATE_CARRIERS) needs -dev"}},
		{"negative simulator interval", []string{"-dev", "-simulate-carriers", "-1s"}, nil, []string{
			"is -1s; use 0 to disable it"}},
		{"numbers out of range", []string{"-return-window-days", "400", "-viewer-cost-burst", "0"}, with(map[string]string{"AFTERCART_COST_BUDGET": "-5"}), []string{
			"-return-window-days (AFTERCART_RETURN_WINDOW_DAYS) is 400; must be between 0 and 365",
			"-cost-budget (AFTERCART_COST_BUDGET) is -5",
			"-viewer-cost-burst (AFTERCART_VIEWER_COST_BURST) is 0"}},
		{"malformed environment values are not silently replaced by defaults", nil, with(map[string]string{
			"AFTERCART_RETURN_WINDOW_DAYS": "thirty", "AFTERCART_VIEWER_COST_PER_SECOND": "2.5k",
			"AFTERCART_SIMULATE_CARRIERS": "fast", "AFTERCART_SEED": "maybe"}), []string{
			`AFTERCART_RETURN_WINDOW_DAYS="thirty" is not a whole number (-return-window-days)`,
			`AFTERCART_VIEWER_COST_PER_SECOND="2.5k" is not a whole number`,
			`AFTERCART_SIMULATE_CARRIERS="fast" is not a duration`,
			`-seed (AFTERCART_SEED) "maybe" must be true or false`}},
		{"AFTERCART_DEV=yes does not quietly start production", nil, map[string]string{"AFTERCART_DEV": "yes"}, []string{
			`AFTERCART_DEV="yes" is not true or false (-dev)`,
			"AFTERCART_JWT_SECRET is not set", "AFTERCART_WEBHOOK_SECRET is not set"}},
		{"a flag on the command line wins over a bad variable", []string{"-return-window-days", "14"}, with(map[string]string{"AFTERCART_RETURN_WINDOW_DAYS": "thirty"}), nil},
		{"address and origins", []string{"-addr", "localhost", "-allowed-origins", "https://shop.example.com,shop.example.com"}, secrets, []string{
			`-addr (AFTERCART_ADDR) "localhost" is not host:port`,
			`entry "shop.example.com" is not an origin`}},
		{"database pool and statement cache", []string{"-db-max-open-conns", "0", "-db-max-idle-conns", "-1", "-db-conn-max-lifetime", "-1s"},
			with(map[string]string{"AFTERCART_DB_CONN_MAX_IDLE_TIME": "-5m", "AFTERCART_DB_STATEMENT_CACHE": "-3"}), []string{
				"-db-max-open-conns (AFTERCART_DB_MAX_OPEN_CONNS) is 0",
				"-db-max-idle-conns (AFTERCART_DB_MAX_IDLE_CONNS) is -1",
				"-db-conn-max-lifetime (AFTERCART_DB_CONN_MAX_LIFETIME) is -1s; use 0 for never",
				"-db-conn-max-idle-time (AFTERCART_DB_CONN_MAX_IDLE_TIME) is -5m0s",
				"-db-statement-cache (AFTERCART_DB_STATEMENT_CACHE) is -3"}},
		{"more idle connections than open ones", []string{"-db-max-open-conns", "4", "-db-max-idle-conns", "5"}, secrets, []string{
			"-db-max-idle-conns (AFTERCART_DB_MAX_IDLE_CONNS) is 5; must be between 0 (as many as -db-max-open-conns) and -db-max-open-conns, 4"}},
		{"integration budget", []string{"-integration-cost-burst", "0"}, with(map[string]string{"AFTERCART_INTEGRATION_COST_PER_SECOND": "-1"}), []string{
			"-integration-cost-burst (AFTERCART_INTEGRATION_COST_BURST) is 0",
			"-integration-cost-per-second (AFTERCART_INTEGRATION_COST_PER_SECOND) is -1"}},
		{"profiles are served on loopback only", []string{"-pprof-addr", ":6060"}, secrets, []string{
			`-pprof-addr (AFTERCART_PPROF_ADDR) ":6060" is not a loopback address`}},
		{"profiles on a public interface", nil, with(map[string]string{"AFTERCART_PPROF_ADDR": "0.0.0.0:6060"}), []string{
			`"0.0.0.0:6060" is not a loopback address`}},
		{"profiles on a host name", []string{"-pprof-addr", "debug.example.com:6060"}, secrets, []string{
			`"debug.example.com:6060" is not a loopback address`}},
		{"profiles on loopback", []string{"-pprof-addr", "[::1]:6060"}, with(map[string]string{"AFTERCART_PPROF_ADDR": "127.0.0.1:6060"}), nil},
		{"everything at once", []string{"-simulate-carriers", "1s", "-addr", ":99999"}, map[string]string{
			"DATABASE_URL": "mysql://db/x", "AFTERCART_COST_BUDGET": "lots", "AFTERCART_JWT_SECRET": "short"}, []string{
			`AFTERCART_COST_BUDGET="lots"`, "port 99999", `scheme "mysql"`, "needs -dev",
			"AFTERCART_JWT_SECRET is 5 bytes", "AFTERCART_WEBHOOK_SECRET is not set"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			clearConfigEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			err := NewMain().ParseFlags(c.args)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ce *app.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *app.ConfigError", err)
			}
			if len(ce.Problems) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ce.Problems), len(c.want), err)
			}
			msg := err.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q:\n%s", w, msg)
				}
			}
			for _, secret := range []string{"hunter2", "short", "tiny"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error repeats the value %q:\n%s", secret, msg)
				}
			}
		})
	}
}

// TestDatabaseURLWithoutSSLMode starts the server against a local Postgres
// (SSL off, as a packaged install is) with a URL that does not say
// sslmode=disable: start-up fails, and the message says what to add.
func TestDatabaseURLWithoutSSLMode(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("sslmode")
	u.RawQuery = q.Encode()
	m := NewMain()
	m.Log = slog.New(slog.NewTextHandler(testserver.LogWriter{T: t}, nil))
	m.Config = app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: u.String(), JWTSecret: testserver.JWTSecret, WebhookSecret: testserver.WebhookSecret}
	err = m.Run(context.Background())
	_ = m.Close()
	if err == nil {
		t.Fatalf("server started on %s without sslmode against a server without SSL", u)
	}
	t.Logf("start-up error: %v", err)
	for _, want := range []string{"SSL is not enabled on the server", "for a local server add ?sslmode=disable"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start-up error %q does not say %q", err, want)
		}
	}
}
