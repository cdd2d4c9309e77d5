package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// env returns the environment variable key, or def when it is unset or empty.
func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envBool(key string, def bool) bool {
	if b, err := strconv.ParseBool(os.Getenv(key)); err == nil {
		return b
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

func envFloat(key string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(key), 64); err == nil {
		return f
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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
