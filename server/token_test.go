package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/auth"
)

// TestTokenCommand checks which secret "server token" signs with: the
// production secret from AFTERCART_JWT_SECRET, the development secret only
// when asked (-dev or AFTERCART_DEV=true), and otherwise nothing at all, with
// a message saying both ways out and no secret file left behind.
func TestTokenCommand(t *testing.T) {
	prod := strings.Repeat("p", auth.MinSecretLen)
	for _, c := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr []string
		// devSecret: the token verifies with the data dir's development
		// secret; otherwise with prod.
		devSecret bool
	}{
		{"refused without a secret or -dev", nil, nil,
			[]string{"AFTERCART_JWT_SECRET is not set", "pass -dev", filepath.Join("DATA", auth.SecretFile)}, false},
		{"-dev signs with the development secret", []string{"-dev"}, nil, nil, true},
		{"AFTERCART_DEV=true does too", nil, map[string]string{"AFTERCART_DEV": "true"}, nil, true},
		{"the production secret needs no -dev", nil, map[string]string{auth.SecretEnv: prod}, nil, false},
		{"the production secret wins over -dev", []string{"-dev"}, map[string]string{auth.SecretEnv: prod}, nil, false},
		{"a short production secret is refused", nil, map[string]string{auth.SecretEnv: "short"}, []string{"need at least 32"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			clearConfigEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			dir := filepath.Join(t.TempDir(), "DATA")
			var out bytes.Buffer
			args := append([]string{"-role", "customer", "-email", "Mina@Example.com", "-data-dir", dir}, c.args...)
			err := runToken(args, &out)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("token printed %q, want an error", out.String())
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if _, statErr := os.Stat(filepath.Join(dir, auth.SecretFile)); statErr == nil {
					t.Error("a refused token command created a development secret")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			secret := []byte(prod)
			if c.devSecret {
				if secret, err = auth.LookupNamedSecret(auth.SecretEnv, auth.SecretFile, dir); err != nil {
					t.Fatalf("no development secret after signing with it: %v", err)
				}
			} else if _, statErr := os.Stat(dir); statErr == nil {
				t.Error("signing with the production secret touched the data dir")
			}
			iss, err := auth.NewIssuer(secret)
			if err != nil {
				t.Fatal(err)
			}
			v, err := iss.Verify(strings.TrimSpace(out.String()))
			if err != nil || v.Role != auth.RoleCustomer || v.Email != "mina@example.com" {
				t.Fatalf("token %q verifies as %+v, %v", out.String(), v, err)
			}
		})
	}
}
