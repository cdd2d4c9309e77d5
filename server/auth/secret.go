package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The environment variable and dev-mode file holding the token secret.
const (
	// SecretEnv names the environment variable that supplies the token
	// secret. It is required in production.
	SecretEnv = "AFTERCART_JWT_SECRET"
	// SecretFile is the file under the data directory where dev mode keeps a
	// generated token secret.
	SecretFile = "jwt-secret"
)

// ResolveSecret returns the token secret: the value of AFTERCART_JWT_SECRET
// if set, else in dev mode a random secret kept in <dataDir>/jwt-secret, else
// an error. The server and the `server token` command both call it, so tokens
// minted by one verify in the other.
func ResolveSecret(dataDir string, dev bool) ([]byte, error) {
	return ResolveNamedSecret(SecretEnv, SecretFile, dataDir, dev)
}

// ResolveNamedSecret returns a secret of at least MinSecretLen bytes.
//
// If the environment variable envVar is set and non-empty, its raw bytes are
// the secret. (An empty value counts as unset, because compose files often
// pass variables through as "VAR=${VAR}".) Otherwise, in dev mode, the
// secret is read from dataDir/fileName, which is created on first use with 32
// random bytes, hex-encoded, mode 0600, in a directory created 0700; several
// processes starting at once all end up with the same secret. Otherwise
// (production without envVar) it is an error that tells the operator to set
// envVar: a generated secret would silently differ between replicas and
// change whenever the disk is replaced, logging everyone out.
func ResolveNamedSecret(envVar, fileName, dataDir string, dev bool) ([]byte, error) {
	if err := CheckSecretEnv(envVar, dev); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if v := os.Getenv(envVar); v != "" {
		return []byte(v), nil
	}
	if dataDir == "" {
		return nil, fmt.Errorf("auth: no data directory to keep a dev %s in; set %s instead", fileName, envVar)
	}
	path := filepath.Join(dataDir, fileName)
	if s, err := readSecretFile(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: create data directory: %w", err)
	}
	if err := createSecretFile(path); err != nil {
		return nil, err
	}
	// Whoever won the race to create the file, its content is now the
	// secret every process agrees on.
	return readSecretFile(path)
}

// CheckSecretEnv reports what ResolveNamedSecret would refuse about the
// environment variable envVar, without touching the disk: a value shorter
// than MinSecretLen bytes, or (outside dev mode) no value at all. Start-up
// validation calls it for every secret first, so an operator learns about
// all of them in one message instead of one per restart.
func CheckSecretEnv(envVar string, dev bool) error {
	v := os.Getenv(envVar)
	switch {
	case v != "" && len(v) < MinSecretLen:
		return fmt.Errorf("%s is %d bytes, need at least %d (generate one with `openssl rand -hex 32`)", envVar, len(v), MinSecretLen)
	case v == "" && !dev:
		return fmt.Errorf("%s is not set; production needs a secret of at least %d bytes (generate one with `openssl rand -hex 32`)", envVar, MinSecretLen)
	}
	return nil
}

// LookupNamedSecret returns the secret a server resolves with
// ResolveNamedSecret, but never creates one: the value of envVar if set,
// else the development secret already kept in dataDir/fileName. Client-side
// commands (signing a webhook delivery, say) use it: a secret they generated
// would match no running server. When neither exists the error wraps
// fs.ErrNotExist.
func LookupNamedSecret(envVar, fileName, dataDir string) ([]byte, error) {
	if err := CheckSecretEnv(envVar, true); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if v := os.Getenv(envVar); v != "" {
		return []byte(v), nil
	}
	path := filepath.Join(dataDir, fileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, noSecretError(fmt.Sprintf("auth: %s is not set and there is no development secret in %s", envVar, path))
	} else if err != nil {
		return nil, fmt.Errorf("auth: read secret: %w", err)
	}
	return readSecretFile(path)
}

// noSecretError says no secret exists; it matches fs.ErrNotExist without
// repeating the stat error's text, which adds nothing for the reader.
type noSecretError string

func (e noSecretError) Error() string        { return string(e) }
func (e noSecretError) Is(target error) bool { return target == fs.ErrNotExist }

// readSecretFile reads a hex secret written by createSecretFile (or by an
// operator: surrounding whitespace is ignored). The key is the hex text
// itself, not its decoding: what the development server prints, and what an
// operator copies into the environment variable, is then exactly the key.
func readSecretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read secret: %w", err)
	}
	text := bytes.TrimSpace(b)
	if raw, err := hex.DecodeString(string(text)); err != nil || len(raw) < MinSecretLen {
		return nil, fmt.Errorf("auth: %s does not hold a hex secret of at least %d bytes; delete it to generate a new one", path, MinSecretLen)
	}
	return text, nil
}

// createSecretFile writes a fresh random secret to path unless the file
// already exists. The secret is written to a temporary file first and then
// hard-linked into place: a link, unlike a rename, fails if path exists, so
// the first process wins, later ones keep its secret, and no reader ever
// sees a partly written file.
func createSecretFile(path string) error {
	raw := make([]byte, MinSecretLen)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("auth: generate secret: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("auth: create secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already uses 0600; Chmod makes it explicit and independent
	// of that implementation detail.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: create secret: %w", err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(raw) + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: write secret: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: write secret: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: write secret: %w", err)
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	}
	// Some filesystems (certain network and FUSE mounts) have no hard
	// links. Fall back to a rename, which is still atomic but lets the last
	// writer win; the window is the few microseconds between the existence
	// check and here, only on first use in dev mode.
	if _, statErr := os.Stat(path); statErr == nil {
		return nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("auth: install secret: %w", err)
	}
	return nil
}
