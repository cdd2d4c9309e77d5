package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"
)

// ErrNoBinaries is returned by [StartCluster] when no usable PostgreSQL
// installation is found. Its text tells the reader how to fix it.
var ErrNoBinaries = errors.New("postgres binaries not found; apt-get install postgresql")

// debianRoot is where Debian's postgresql-<ver> packages put one directory per
// major version, so several versions can be installed side by side.
const debianRoot = "/usr/lib/postgresql"

// minMajor is the oldest version we accept: DROP DATABASE ... WITH (FORCE),
// used in cleanup, appeared in PostgreSQL 13.
const minMajor = 13

// startTimeout bounds a start or restart whose caller gave no deadline. A
// healthy cluster is ready in about two seconds, even on a loaded 2-core CI
// machine; a minute means something is wrong, and a hung test binary would
// only report that after the 30-minute go test timeout.
const startTimeout = time.Minute

// errPortInUse marks a start that failed only because another process holds
// the port, which callers handle by retrying rather than giving up.
var errPortInUse = errors.New("port already in use")

// Available reports the bin directory of the newest PostgreSQL installed
// under /usr/lib/postgresql, and whether one was found.
func Available() (binDir string, ok bool) {
	return available(debianRoot)
}

func available(root string) (binDir string, ok bool) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", false
	}
	best := 0
	for _, e := range entries {
		major, err := strconv.Atoi(e.Name())
		if err != nil || major < minMajor || major <= best {
			continue
		}
		dir := filepath.Join(root, e.Name(), "bin")
		// A purged package can leave its directory behind; only count
		// versions that still have everything we execute.
		if hasFiles(dir, "initdb", "pg_ctl", "postgres") {
			best, binDir = major, dir
		}
	}
	return binDir, best > 0
}

func hasFiles(dir string, names ...string) bool {
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			return false
		}
	}
	return true
}

// Cluster is a running throwaway PostgreSQL cluster listening on 127.0.0.1.
// Its superuser is postgres with trust authentication, so DSNs carry no
// password. It is safe for concurrent use.
type Cluster struct {
	binDir  string
	root    string // temp dir holding the data dir, the socket and the log
	dataDir string
	logPath string
	port    int
	cred    *syscall.Credential // nil when not root: run as ourselves

	mu      sync.Mutex
	proc    *exec.Cmd     // the postmaster; nil while stopped
	exited  chan struct{} // closed once proc has been reaped
	stopped bool          // Stop was called; the cluster is gone for good
}

// StartCluster initialises and starts a new cluster. It needs no testing.TB
// so that TestMain can share one cluster across a whole test binary; the
// caller must call [Cluster.Stop]. It returns an error wrapping
// [ErrNoBinaries] when PostgreSQL is not installed.
func StartCluster() (_ *Cluster, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	binDir, ok := Available()
	if !ok {
		return nil, fmt.Errorf("pgtest: %w", ErrNoBinaries)
	}
	cred, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	// Not t.TempDir(): its parent directories are 0700 root, so the postgres
	// user could not reach anything inside them.
	root, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{
		binDir:  binDir,
		root:    root,
		dataDir: filepath.Join(root, "data"),
		logPath: filepath.Join(root, "postgres.log"),
		cred:    cred,
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if cred != nil {
		if err := os.Chown(root, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}

	initdb := c.command(ctx, "initdb", "-D", c.dataDir,
		"-A", "trust", "--no-locale", "-E", "UTF8", "--no-sync", "-U", "postgres")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}

	// The port is picked before the server binds it, so another process (or
	// another test binary doing the same) can win the race: pick again.
	for attempt := 1; ; attempt++ {
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
		err = c.start(ctx)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == 5 {
			return nil, err
		}
	}
}

// postgresCredential returns the identity to run the server binaries under:
// the postgres OS user when we are root (the server refuses to run as root),
// nil otherwise.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs a postgres OS user: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: postgres uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: postgres gid %q: %w", u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort returns a port that is free on 127.0.0.1 right now. It is drawn
// below Linux's default ephemeral range (32768-60999) rather than asked of
// the kernel: while Restart has the server down, any outgoing connection on
// the machine could otherwise be given the port as its local end, and the
// server could not get it back.
func freePort() (int, error) {
	var err error
	for range 100 {
		port := 20000 + rand.IntN(12000)
		var l net.Listener
		l, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("pgtest: no free port found: %w", err)
}

// command prepares one of the PostgreSQL binaries to run as the cluster's
// OS user.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	// The binaries complain when they cannot access their working
	// directory, and the test's package directory may be unreadable to them.
	cmd.Dir = c.root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	// Should a child leave a process holding our output pipe, do not hang.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// start launches the postmaster on c.port and waits until it serves
// connections. Callers hold c.mu or own c exclusively.
//
// postgres is run directly rather than through "pg_ctl start" so that it is
// our child: we learn at once when it dies, and Pdeathsig takes it down
// when the test binary is killed (a go test timeout), instead of leaving a
// server running with nobody to stop it.
func (c *Cluster) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	logFile, err := os.OpenFile(c.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	logStart, err := logFile.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}

	// Not exec.CommandContext: ctx bounds the start, not the server's life.
	cmd := exec.Command(filepath.Join(c.binDir, "postgres"),
		"-D", c.dataDir,
		"-p", strconv.Itoa(c.port),
		"-k", c.root,
		"-c", "listen_addresses=127.0.0.1",
		// Durability buys nothing for a cluster deleted after the run, and
		// fsync dominates test time otherwise.
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		// Parallel tests each hold a pool; the default 100 runs out.
		"-c", "max_connections=200",
	)
	cmd.Dir = c.root
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: c.cred,
		// SIGQUIT is the server's immediate shutdown, like pg_ctl -m immediate.
		Pdeathsig: syscall.SIGQUIT,
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()

	if err := c.waitReady(ctx, exited); err != nil {
		// SIGQUIT first so the postmaster takes its backends down with it.
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		log := c.logSince(logStart)
		if strings.Contains(log, "Address already in use") {
			return fmt.Errorf("pgtest: port %d: %w", c.port, errPortInUse)
		}
		return fmt.Errorf("pgtest: postgres did not start: %w\n%s", err, log)
	}
	c.proc, c.exited = cmd, exited
	return nil
}

// waitReady polls until our postmaster answers on c.port. It checks that the
// server answering is ours: if another process took the port, ours fails to
// bind and exits, but a bare ping would meanwhile succeed against the other.
func (c *Cluster) waitReady(ctx context.Context, exited <-chan struct{}) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var dataDir string
		err = db.QueryRowContext(ctx, "SELECT current_setting('data_directory')").Scan(&dataDir)
		if err == nil {
			if dataDir == c.dataDir {
				return nil
			}
			err = fmt.Errorf("port %d is served by another cluster (%s)", c.port, dataDir)
		}
		select {
		case <-exited:
			return errors.New("postgres exited")
		case <-ctx.Done():
			return fmt.Errorf("%w; last error: %v", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// logSince returns what the server logged from offset on, to explain a
// failed start.
func (c *Cluster) logSince(offset int64) string {
	f, err := os.Open(c.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.NewSectionReader(f, offset, 1<<20))
	return string(b)
}

// stopProcess shuts the postmaster down the way a crash would, which is what
// the tests want to provoke and also the fastest. Callers hold c.mu.
func (c *Cluster) stopProcess() error {
	if c.proc == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := c.command(ctx, "pg_ctl", "-D", c.dataDir, "-m", "immediate", "-w", "stop").CombinedOutput()
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		c.proc.Process.Kill()
		<-c.exited
		if err == nil {
			err = errors.New("postgres still running after pg_ctl stop")
		}
		c.proc = nil
		return fmt.Errorf("pgtest: pg_ctl stop: %w\n%s", err, out)
	}
	// Once the postmaster has exited, a pg_ctl complaint (say, it had
	// already crashed) leaves nothing to clean up.
	c.proc = nil
	return nil
}

// Stop shuts the cluster down immediately (pg_ctl -m immediate) and deletes
// its files. Calling it again does nothing.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	return errors.Join(c.stopProcess(), os.RemoveAll(c.root))
}

// Restart stops the server as a crash would (pg_ctl -m immediate) and starts
// it again on the same port and data directory, so DSNs handed out before
// stay valid. Every transaction committed before the call survives.
// Connections open at the time are broken and clients see the errors a real
// crash causes; database/sql pools discard those connections and dial again. Restart gives up when ctx is done,
// or after a minute if ctx has no deadline.
func (c *Cluster) Restart(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("pgtest: Restart after Stop")
	}
	if err := c.flush(ctx); err != nil {
		return err
	}
	if err := c.stopProcess(); err != nil {
		return err
	}
	for {
		err := c.start(ctx)
		if !errors.Is(err, errPortInUse) {
			return err
		}
		// Unlike the first start, we cannot move: the port is in every DSN
		// already handed out. Whoever took it is usually short-lived.
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (still taken when %v)", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// flush writes out the WAL of every transaction committed so far. With
// synchronous_commit=off a commit returns before its WAL leaves shared
// memory, so an immediate stop would lose the last few hundred milliseconds
// of commits, something a production server (synchronous_commit=on) never
// does and no restart test should have to allow for. Callers hold c.mu.
func (c *Cluster) flush(ctx context.Context) error {
	select {
	case <-c.exited:
		return nil // it crashed on its own: nothing left to save
	default:
	}
	if err := c.exec(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("pgtest: checkpoint before restart: %w", err)
	}
	return nil
}

// Port returns the TCP port the cluster listens on at 127.0.0.1. It does not
// change across [Cluster.Restart].
func (c *Cluster) Port() int { return c.port }

// DSN returns a lib/pq connection URL for database dbname on the cluster, as
// the superuser postgres.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable",
		c.port, url.PathEscape(dbname))
}

// dbSeq keeps names unique when a test asks for several databases, and across
// tests whose names sanitise to the same prefix.
var dbSeq atomic.Int64

// NewDatabase creates an empty database for tb and returns its DSN. The
// database is dropped when tb finishes, even if connections to it are still
// open.
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	return c.newDatabase(tb, "")
}

// NewDatabaseFrom creates a database for tb as a copy of the database
// template (see [Cluster.Template]) and returns its DSN. It is dropped when
// tb finishes, like NewDatabase's.
func (c *Cluster) NewDatabaseFrom(tb testing.TB, template string) string {
	tb.Helper()
	return c.newDatabase(tb, template)
}

func (c *Cluster) newDatabase(tb testing.TB, template string) string {
	tb.Helper()
	name := fmt.Sprintf("%s_%d", sanitize(tb.Name()), dbSeq.Add(1))
	ident := pq.QuoteIdentifier(name)
	create := "CREATE DATABASE " + ident
	if template != "" {
		create += " TEMPLATE " + pq.QuoteIdentifier(template)
	}
	if err := c.exec(tb.Context(), create); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		c.mu.Lock()
		stopped := c.stopped
		c.mu.Unlock()
		if stopped {
			return // went away with the cluster
		}
		// tb.Context() is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE: a test that leaked a pool or a listener must not make its
		// cleanup fail, nor leave the database behind.
		if err := c.exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.DSN(name)
}

// exec runs one statement in the maintenance database. It opens a fresh
// connection each time because a kept pool would hold connections broken by
// Restart.
func (c *Cluster) exec(ctx context.Context, query string) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query)
	return err
}

// sanitize turns a test name into a readable database name prefix, so a
// database left behind by a crashed run can be traced to its test.
func sanitize(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if b.Len() == 40 { // identifiers end at 63 bytes; leave room for the suffix
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "db"
	}
	return b.String()
}
