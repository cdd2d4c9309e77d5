package auth

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Not parallel: these tests set process environment variables.

func TestResolveSecretEnv(t *testing.T) {
	long := strings.Repeat("s", MinSecretLen)
	tests := []struct {
		name    string
		env     string
		dev     bool
		want    []byte
		wantErr string
	}{
		{"env wins in production", long, false, []byte(long), ""},
		{"env wins over dev file", long, true, []byte(long), ""},
		{"env too short", "short", false, nil, "need at least 32"},
		{"env too short in dev too", "short", true, nil, "need at least 32"},
		{"production without env", "", false, nil, SecretEnv + " is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(SecretEnv, tt.env)
			dir := t.TempDir()
			// A dev file with a different secret must lose to the env var.
			writeFile(t, filepath.Join(dir, SecretFile), strings.Repeat("ab", 32))
			got, err := ResolveSecret(dir, tt.dev)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ResolveSecret error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("ResolveSecret = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestResolveSecretDevFile(t *testing.T) {
	t.Setenv(SecretEnv, "")
	dir := filepath.Join(t.TempDir(), "data", "nested")
	path := filepath.Join(dir, SecretFile)

	first, err := ResolveSecret(dir, true)
	if err != nil {
		t.Fatalf("first ResolveSecret: %v", err)
	}
	if raw, err := hex.DecodeString(string(first)); err != nil || len(raw) != MinSecretLen {
		t.Errorf("secret %q is not the hex text of %d random bytes", first, MinSecretLen)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != string(first) {
		t.Errorf("file holds %q, want the secret %q", got, first)
	}
	if runtime.GOOS != "windows" {
		for _, c := range []struct {
			path string
			want os.FileMode
		}{{path, 0o600}, {dir, 0o700}} {
			fi, err := os.Stat(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != c.want {
				t.Errorf("%s mode = %o, want %o", c.path, got, c.want)
			}
		}
	}

	again, err := ResolveSecret(dir, true)
	if err != nil || !bytes.Equal(again, first) {
		t.Fatalf("second ResolveSecret = %x, %v; want the first secret %x", again, err, first)
	}
	if _, err := NewIssuer(first); err != nil {
		t.Errorf("dev secret refused by NewIssuer: %v", err)
	}
	assertOnlyFile(t, dir, SecretFile)
}

func TestResolveSecretConcurrentFirstUse(t *testing.T) {
	t.Setenv(SecretEnv, "")
	dir := filepath.Join(t.TempDir(), "data")
	const n = 8
	secrets := make([][]byte, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			secrets[i], errs[i] = ResolveSecret(dir, true)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !bytes.Equal(secrets[i], secrets[0]) {
			t.Errorf("goroutine %d got %x, goroutine 0 got %x", i, secrets[i], secrets[0])
		}
	}
	onDisk, err := ResolveSecret(dir, true)
	if err != nil || !bytes.Equal(onDisk, secrets[0]) {
		t.Errorf("later ResolveSecret = %x, %v; want %x", onDisk, err, secrets[0])
	}
	assertOnlyFile(t, dir, SecretFile)
}

func TestResolveNamedSecretDevErrors(t *testing.T) {
	const env = "AFTERCART_TEST_WEBHOOK_SECRET"
	t.Setenv(env, "")
	tests := []struct {
		name    string
		content string // written to the file first; "" for none
		dataDir func(t *testing.T) string
		wantErr string
	}{
		{"no data dir", "", func(*testing.T) string { return "" }, "set " + env},
		{"file not hex", "not hex at all", func(t *testing.T) string { return t.TempDir() }, "delete it"},
		{"file too short", strings.Repeat("ab", 8), func(t *testing.T) string { return t.TempDir() }, "delete it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dataDir(t)
			if tt.content != "" {
				writeFile(t, filepath.Join(dir, "webhook-secret"), tt.content)
			}
			_, err := ResolveNamedSecret(env, "webhook-secret", dir, true)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestResolveNamedSecretSeparateFiles(t *testing.T) {
	t.Setenv(SecretEnv, "")
	t.Setenv("AFTERCART_TEST_WEBHOOK_SECRET", "")
	dir := t.TempDir()
	jwtSecret, err := ResolveSecret(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	hook, err := ResolveNamedSecret("AFTERCART_TEST_WEBHOOK_SECRET", "webhook-secret", dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(jwtSecret, hook) {
		t.Error("JWT and webhook secrets are equal; each name needs its own secret")
	}
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// assertOnlyFile fails if dir holds anything but name, e.g. a leftover
// temporary file from a lost creation race.
func assertOnlyFile(tb testing.TB, dir, name string) {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		tb.Errorf("%s holds %v, want only %s", dir, names, name)
	}
}

// helperDirEnv makes the test binary act as one of the racing processes in
// TestResolveSecretConcurrentProcesses instead of running tests.
const helperDirEnv = "AFTERCART_AUTH_TEST_SECRET_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperDirEnv); dir != "" {
		s, err := ResolveSecret(dir, true)
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString(hex.EncodeToString(s))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestResolveSecretConcurrentProcesses races separate processes, as when the
// server and `server token` start together on a fresh data directory.
func TestResolveSecretConcurrentProcesses(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no test executable:", err)
	}
	t.Setenv(SecretEnv, "")
	dir := filepath.Join(t.TempDir(), "data")
	const n = 8
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	for i := range n {
		cmds[i] = exec.Command(exe, "-test.run=^$")
		cmds[i].Env = append(os.Environ(), helperDirEnv+"="+dir)
		cmds[i].Stdout = &outs[i]
		cmds[i].Stderr = &outs[i]
	}
	for i := range n {
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if err := cmds[i].Wait(); err != nil {
			t.Fatalf("process %d: %v: %s", i, err, outs[i].String())
		}
	}
	for i := range n {
		if outs[i].String() != outs[0].String() {
			t.Errorf("process %d got %s, process 0 got %s", i, outs[i].String(), outs[0].String())
		}
	}
	assertOnlyFile(t, dir, SecretFile)
}

func TestCheckSecretEnv(t *testing.T) {
	const env = "AFTERCART_TEST_SECRET"
	long := strings.Repeat("s", MinSecretLen)
	for _, c := range []struct {
		name, value string
		dev         bool
		wantErr     string
	}{
		{"set in production", long, false, ""},
		{"unset in dev", "", true, ""},
		{"unset in production", "", false, env + " is not set"},
		{"short in production", "short", false, "is 5 bytes, need at least 32"},
		{"short in dev", "short", true, "is 5 bytes, need at least 32"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(env, c.value)
			err := CheckSecretEnv(env, c.dev)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("CheckSecretEnv = %v, want error containing %q", err, c.wantErr)
			}
		})
	}
}

// TestLookupNamedSecret checks that the read-only lookup finds what a
// development server created, prefers the environment, and never creates a
// secret of its own (one no server would share).
func TestLookupNamedSecret(t *testing.T) {
	const env = "AFTERCART_TEST_SECRET"
	t.Setenv(env, "")
	dir := t.TempDir()
	if _, err := LookupNamedSecret(env, "hook", dir); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), env+" is not set") {
		t.Fatalf("lookup before any server ran: %v, want a not-exist error naming %s", err, env)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("lookup created %d files", len(entries))
	}
	created, err := ResolveNamedSecret(env, "hook", dir, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LookupNamedSecret(env, "hook", dir)
	if err != nil || !bytes.Equal(got, created) {
		t.Fatalf("lookup = %q, %v; want the server's %q", got, err, created)
	}
	long := strings.Repeat("e", MinSecretLen)
	t.Setenv(env, long)
	if got, err := LookupNamedSecret(env, "hook", dir); err != nil || string(got) != long {
		t.Fatalf("lookup with %s set = %q, %v", env, got, err)
	}
	t.Setenv(env, "short")
	if _, err := LookupNamedSecret(env, "hook", dir); err == nil {
		t.Fatal("lookup accepted a short secret")
	}
}
