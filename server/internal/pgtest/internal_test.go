package pgtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recordingTB captures how unavailable ends a test, which a real *testing.T
// could not report without ending the test that checks it.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Skip(args ...any)                  { r.skipped = fmt.Sprint(args...) }
func (r *recordingTB) Fatal(args ...any)                 { r.failed = fmt.Sprint(args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestMissingBinariesSkipLocallyFailInCI(t *testing.T) {
	const hint = "postgres binaries not found; apt-get install postgresql"

	t.Setenv("CI", "")
	local := &recordingTB{TB: t}
	unavailable(local, fmt.Errorf("pgtest: %w", ErrNoBinaries))
	if local.failed != "" || !strings.Contains(local.skipped, hint) {
		t.Errorf("without CI: skipped %q, failed %q; want a skip with the hint", local.skipped, local.failed)
	}

	t.Setenv("CI", "true")
	ci := &recordingTB{TB: t}
	unavailable(ci, ErrNoBinaries)
	if ci.skipped != "" || !strings.Contains(ci.failed, hint) {
		t.Errorf("with CI: skipped %q, failed %q; want a failure with the hint", ci.skipped, ci.failed)
	}

	// Any other start failure is a failure everywhere.
	t.Setenv("CI", "")
	broken := &recordingTB{TB: t}
	unavailable(broken, fmt.Errorf("initdb: exit status 1"))
	if broken.skipped != "" || broken.failed == "" {
		t.Errorf("start failure: skipped %q, failed %q; want a failure", broken.skipped, broken.failed)
	}
}

func TestAvailablePicksNewestComplete(t *testing.T) {
	root := t.TempDir()
	install := func(version string, bins ...string) {
		dir := filepath.Join(root, version, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, b := range bins {
			if err := os.WriteFile(filepath.Join(dir, b), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := []string{"initdb", "pg_ctl", "postgres"}
	install("12", all...) // too old for DROP DATABASE ... WITH (FORCE)
	install("9.6", all...)
	install("15", all...)
	install("14", all...)
	install("17", "psql") // a client-only leftover

	if got, ok := available(root); !ok || got != filepath.Join(root, "15", "bin") {
		t.Errorf("available = %q, %v; want version 15", got, ok)
	}
	if _, ok := available(filepath.Join(root, "missing")); ok {
		t.Error("available reports binaries under a missing directory")
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"TestFoo/Sub_case#01":    "testfoo_sub_case_01",
		"":                       "db",
		strings.Repeat("x", 100): strings.Repeat("x", 40),
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
