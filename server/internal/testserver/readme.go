package testserver

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ReadmeOrderStatusQuery returns the README's OrderStatus operation,
// verbatim: the order status tests and benchmarks send what the README
// shows.
func ReadmeOrderStatusQuery(tb testing.TB) string {
	tb.Helper()
	readme, err := os.ReadFile(filepath.Join(RepoRoot(tb), "README.md"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range regexp.MustCompile("(?ms)^```graphql\n(.*?)^```").FindAllStringSubmatch(string(readme), -1) {
		if strings.Contains(m[1], "query OrderStatus") {
			return m[1]
		}
	}
	tb.Fatal("README.md has no graphql block with query OrderStatus")
	return ""
}

// RepoRoot is the repository's top directory (the one holding go.mod),
// found from the test's working directory, so that a test finds README.md
// or web-demo/ whichever package it is in.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
