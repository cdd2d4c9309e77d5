package main

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/orders"
)

// ConfigError lists every problem ParseFlags found in the configuration.
// They are reported together because an operator who fixes one missing
// secret per restart (the old behaviour) pays a deploy for each.
type ConfigError struct {
	// Problems are one sentence each, naming the flag and its environment
	// variable; they never repeat a secret or a password.
	Problems []string
}

// Error implements error: one problem on one line, several as a list.
func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return "configuration: " + e.Problems[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "configuration has %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p)
	}
	return b.String()
}

// configError returns a *ConfigError for problems, or nil when there are none.
func configError(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return &ConfigError{Problems: problems}
}

// Validate checks c as ParseFlags produced it and returns a *ConfigError
// listing every problem, or nil. Secrets are checked where they will come
// from: the Config fields when set, else the environment (the development
// files in the data dir are created or read later, by Run).
func (c *Config) Validate() error { return configError(c.problems()) }

func (c *Config) problems() []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		add("-addr (AFTERCART_ADDR) %q is not host:port, e.g. 127.0.0.1:8080 or :8080", c.Addr)
	} else if n, err := strconv.Atoi(port); err == nil && (n < 0 || n > 65535) {
		add("-addr (AFTERCART_ADDR) %q has port %d, outside 0-65535", c.Addr, n)
	}
	switch {
	case c.DataDir != "":
	case c.DatabaseURL == "" || c.Dev:
		add("-data-dir (AFTERCART_DATA_DIR) is empty; it holds the embedded database and the development secrets")
	case c.MediaURL == "":
		add("-data-dir (AFTERCART_DATA_DIR) is empty; it holds uploaded media unless -media-url (AFTERCART_MEDIA_URL) is set")
	}
	if c.DatabaseURL != "" {
		// The URL may carry a password: name its scheme, never echo it.
		u, err := url.Parse(c.DatabaseURL)
		switch {
		case err != nil:
			add("-database-url (DATABASE_URL) is not a URL; want postgres://user:password@host:5432/dbname")
		case u.Scheme != "postgres" && u.Scheme != "postgresql":
			add("-database-url (DATABASE_URL) has scheme %q; want postgres://user:password@host:5432/dbname, or leave it empty for the embedded SQLite database", u.Scheme)
		}
	}
	for _, o := range c.AllowedOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			add("-allowed-origins (AFTERCART_ALLOWED_ORIGINS) entry %q is not an origin such as https://shop.example.com", o)
		}
	}
	if c.ReturnWindowDays < 0 || c.ReturnWindowDays > orders.MaxReturnWindowDays {
		add("-return-window-days (AFTERCART_RETURN_WINDOW_DAYS) is %d; must be between 0 and %d", c.ReturnWindowDays, orders.MaxReturnWindowDays)
	}
	if c.CostBudget < 1 {
		add("-cost-budget (AFTERCART_COST_BUDGET) is %d; must be at least 1", c.CostBudget)
	}
	if c.ViewerBurst < 1 {
		add("-viewer-cost-burst (AFTERCART_VIEWER_COST_BURST) is %d; must be at least 1", c.ViewerBurst)
	}
	if c.ViewerPerSecond <= 0 {
		add("-viewer-cost-per-second (AFTERCART_VIEWER_COST_PER_SECOND) is %g; must be at least 1", c.ViewerPerSecond)
	}
	if c.IntegrationBurst < 1 {
		add("-integration-cost-burst (AFTERCART_INTEGRATION_COST_BURST) is %d; must be at least 1", c.IntegrationBurst)
	}
	if c.IntegrationPerSecond <= 0 {
		add("-integration-cost-per-second (AFTERCART_INTEGRATION_COST_PER_SECOND) is %g; must be at least 1", c.IntegrationPerSecond)
	}
	if c.PprofAddr != "" {
		if p := pprofAddrProblem(c.PprofAddr); p != "" {
			add("-pprof-addr (AFTERCART_PPROF_ADDR) %q %s", c.PprofAddr, p)
		}
	}
	switch {
	case c.Simulate < 0:
		add("-simulate-carriers (AFTERCART_SIMULATE_CARRIERS) is %s; use 0 to disable it", c.Simulate)
	case c.Simulate > 0 && !c.Dev:
		add("-simulate-carriers (AFTERCART_SIMULATE_CARRIERS) needs -dev: it writes fake tracking events")
	}
	for _, s := range []struct {
		env   string
		value []byte
	}{{auth.SecretEnv, c.JWTSecret}, {WebhookSecretEnv, c.WebhookSecret}} {
		if s.value != nil {
			if len(s.value) < auth.MinSecretLen {
				add("the %s given is %d bytes, need at least %d", s.env, len(s.value), auth.MinSecretLen)
			}
		} else if err := auth.CheckSecretEnv(s.env, c.Dev); err != nil {
			ps = append(ps, err.Error())
		}
	}
	return ps
}

// envRef finds the environment variable a flag's usage names, "(env NAME)":
// every flag of the server documents its fallback that way.
var envRef = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// envProblems re-applies the environment fallback of every flag not given on
// the command line through the flag's own parser, and reports the values it
// refuses. The defaults were read with env, envInt and friends, which fall
// back silently on a value they cannot parse: AFTERCART_DEV=yes would have
// started a production server, and AFTERCART_COST_BUDGET=25k the default
// budget. explicit holds the flags set on the command line, which win.
func envProblems(fs *flag.FlagSet, explicit map[string]bool) []string {
	var ps []string
	fs.VisitAll(func(f *flag.Flag) {
		m := envRef.FindStringSubmatch(f.Usage)
		if m == nil || explicit[f.Name] {
			return
		}
		v := os.Getenv(m[1])
		if v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			ps = append(ps, fmt.Sprintf("%s=%q is not %s (-%s)", m[1], v, expected(f.Value), f.Name))
			// A failed Set may have stored a zero; put the default back so
			// Validate does not report the same variable twice.
			_ = f.Value.Set(f.DefValue)
		}
	})
	return ps
}

// expected describes the values a flag accepts, for envProblems.
func expected(v flag.Value) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return "a valid value"
	}
	switch g.Get().(type) {
	case bool:
		return "true or false"
	case int, int64, uint, uint64:
		return "a whole number"
	case float64:
		return "a number"
	case time.Duration:
		return "a duration such as 5s or 1m"
	}
	return "a valid value"
}
