package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
)

func TestDemoRoutes(t *testing.T) {
	built := t.TempDir()
	if err := os.WriteFile(filepath.Join(built, "index.html"), []byte("<!doctype html><title>aftercart demo</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	dev := mustServer(t, "", func(c *app.Config) { c.Dev, c.DemoDir = true, built })
	if code, body := get(dev.URL() + "/demo/"); code != 200 || !strings.Contains(body, "aftercart demo") {
		t.Errorf("/demo/: %d %q", code, body)
	}
	code, body := get(dev.URL() + "/demo/session")
	var session struct{ Token, Email string }
	if err := json.Unmarshal([]byte(body), &session); code != 200 || err != nil {
		t.Fatalf("/demo/session: %d %q", code, body)
	}
	v, err := dev.Issuer.Verify(session.Token)
	if err != nil || v.Role != auth.RoleCustomer || v.Email != demo.DemoCustomerEmail || session.Email != demo.DemoCustomerEmail {
		t.Errorf("demo session token: %+v, %v", v, err)
	}
	// The admin SPA's session: staff, no email.
	code, body = get(dev.URL() + demo.AdminSessionPath)
	session.Email = ""
	if err := json.Unmarshal([]byte(body), &session); code != 200 || err != nil {
		t.Fatalf("%s: %d %q", demo.AdminSessionPath, code, body)
	}
	if v, err := dev.Issuer.Verify(session.Token); err != nil || v.Role != auth.RoleAdmin || session.Email != "" {
		t.Errorf("admin session token: %+v, %v (email %q)", v, err, session.Email)
	}

	prod := mustServer(t, "", func(c *app.Config) { c.DemoDir = built })
	for _, path := range []string{"/demo/session", demo.AdminSessionPath} {
		if code, _ := get(prod.URL() + path); code != http.StatusNotFound {
			t.Errorf("%s outside development mode: %d, want 404", path, code)
		}
	}
	unbuilt := mustServer(t, "", func(c *app.Config) { c.DemoDir = filepath.Join(t.TempDir(), "dist") })
	if code, body := get(unbuilt.URL() + "/demo/"); code != http.StatusNotFound || !strings.Contains(body, "npm run build --prefix web-demo") {
		t.Errorf("unbuilt demo: %d %q", code, body)
	}
}
