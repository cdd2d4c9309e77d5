package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/demo"
)

func TestServerURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		":9000":          "http://127.0.0.1:9000",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:8080":     "http://[::1]:8080",
		"api.local:80":   "http://api.local:80",
	} {
		if got := serverURL(addr); got != want {
			t.Errorf("serverURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestSendEventRefusals checks that send-event never invents a secret, and
// that a delivery the server refuses is an error showing the server's
// answer. (A delivery it accepts is TestReadmeExamples.)
func TestSendEventRefusals(t *testing.T) {
	clearConfigEnv(t)
	dir := filepath.Join(t.TempDir(), "data")
	var out bytes.Buffer
	err := runSendEvent(context.Background(), []string{"-data-dir", dir, "-url", "http://127.0.0.1:1"}, &out)
	if err == nil || !strings.Contains(err.Error(), "go run ./server -dev") || !strings.Contains(err.Error(), app.WebhookSecretEnv) {
		t.Errorf("without any secret: %v; want advice to start the dev server or set %s", err, app.WebhookSecretEnv)
	}
	if _, statErr := os.Stat(dir); statErr == nil {
		t.Error("send-event created the data dir")
	}

	s := mustServer(t, "", func(c *app.Config) {
		c.Dev, c.Seed, c.DataDir = true, true, dir
		c.JWTSecret, c.WebhookSecret = nil, nil
	})
	for _, c := range []struct {
		name, env string
		args      []string
		want      string
	}{
		{"wrong secret", strings.Repeat("w", 40), nil, "401 Unauthorized"},
		{"unknown parcel", "", []string{"-tracking-number", "NOPE-" + demo.InTransitTrackingNumber}, "404 Not Found"},
		{"unknown status", "", []string{"-status", "lost_at_sea"}, "422 Unprocessable Entity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(app.WebhookSecretEnv, c.env)
			out.Reset()
			err := runSendEvent(context.Background(), append([]string{"-data-dir", dir, "-url", s.URL()}, c.args...), &out)
			if err == nil || !strings.Contains(out.String(), c.want) || !strings.Contains(out.String(), `"error"`) {
				t.Errorf("err %v, output %q; want an error and the server's %s answer", err, out.String(), c.want)
			}
		})
	}
}
