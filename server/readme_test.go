package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// readmeMarker precedes each README code block this test runs:
// "<!-- readme-test: NAME -->" on the line before the opening fence.
const readmeMarker = "<!-- readme-test: "

// readmeBlocks returns the code of every marked block in the README, by name.
func readmeBlocks(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blocks := map[string]string{}
	sc := bufio.NewScanner(f)
	name := ""
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, readmeMarker); ok {
			name = strings.TrimSpace(strings.TrimSuffix(rest, "-->"))
			if !sc.Scan() || !strings.HasPrefix(sc.Text(), "```") {
				t.Fatalf("README: marker %q is not followed by a code fence", name)
			}
			var code strings.Builder
			for sc.Scan() && !strings.HasPrefix(sc.Text(), "```") {
				code.WriteString(sc.Text() + "\n")
			}
			if _, dup := blocks[name]; dup {
				t.Fatalf("README: two blocks named %q", name)
			}
			blocks[name] = code.String()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestReadmeExamples runs the README's marked shell blocks (the token
// commands and both ways to push a tracking event) with bash, exactly as
// written, against a development server, and checks through the API that
// each did what the README says.
//
// The blocks are written for a newcomer's shell: the repository root, with
// `go run ./server -dev` running on 127.0.0.1:8080 and keeping its secrets in
// data/. Here:
//   - `go run ./server ARGS` runs the server binary, built once by the test:
//     a `go` script first on PATH execs the binary for exactly that form and
//     hands anything else to the real go. Nothing in a block is rewritten.
//   - The blocks run in a temporary directory whose data/ is the data dir of
//     the development server the test starts in-process (Main with -dev's
//     settings: demo data, secrets generated into data/). The carrier
//     simulator is off, so every new event is one a block sent.
//   - The server listens on a free loopback port, which the blocks find the
//     way they find a moved server: through AFTERCART_ADDR. Every other
//     AFTERCART_* variable and DATABASE_URL is removed from their
//     environment, so the secrets come from data/, as in development.
func TestReadmeExamples(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	blocks := readmeBlocks(t, filepath.Join("..", "README.md"))
	for _, name := range []string{"token", "send-event", "curl", "upload", "reviews"} {
		if blocks[name] == "" {
			t.Fatalf("README has no block marked %s%s -->", readmeMarker, name)
		}
	}

	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	build := testserver.GoBuild(filepath.Join(bin, "aftercart"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	shim := fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = run ] && [ \"$2\" = ./server ]; then shift 2; exec %q \"$@\"; fi\nexec %q \"$@\"\n",
		filepath.Join(bin, "aftercart"), testserver.GoTool())
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}

	clearConfigEnv(t)
	s := mustServer(t, "", func(c *app.Config) {
		c.Dev, c.Seed, c.Simulate, c.DataDir = true, true, 0, filepath.Join(work, "data")
		c.JWTSecret, c.WebhookSecret = nil, nil // generated into data/, as in development
	})
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "AFTERCART_") && k != "DATABASE_URL" && k != "PATH" {
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AFTERCART_ADDR="+strings.TrimPrefix(s.URL(), "http://"))
	run := func(t *testing.T, name string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", blocks[name])
		cmd.Dir, cmd.Env = work, env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("README block %q failed: %v\n--- block\n%s--- stdout\n%s--- stderr\n%s", name, err, blocks[name], out, stderr.String())
		}
		t.Logf("README block %q printed:\n%s", name, out)
		return string(out)
	}

	var customer string
	t.Run("token", func(t *testing.T) {
		lines := strings.Fields(run(t, "token"))
		var roles []auth.Role
		for _, tok := range lines {
			v, err := s.Issuer.Verify(tok)
			if err != nil {
				t.Fatalf("the development server rejects the README's token %q: %v", tok, err)
			}
			roles = append(roles, v.Role)
			if v.Role == auth.RoleCustomer && v.Email == demo.DemoCustomerEmail {
				customer = tok
			}
		}
		if !slices.Equal(roles, []auth.Role{auth.RoleCustomer, auth.RoleIntegration}) || customer == "" {
			t.Fatalf("tokens for %v (customer %q), want the demo customer's and an integration token", roles, customer)
		}
	})
	if customer == "" {
		t.FailNow()
	}

	// Each webhook block must add exactly one checkpoint to the demo order's
	// parcel, one whose text the block itself shows.
	for _, name := range []string{"send-event", "curl"} {
		t.Run(name, func(t *testing.T) {
			before := parcelEvents(t, s, customer)
			out := run(t, name)
			after := parcelEvents(t, s, customer)
			var added []parcelEvent
			for _, e := range after.events {
				if !slices.Contains(before.events, e) {
					added = append(added, e)
				}
			}
			if len(added) != 1 || len(after.events) != len(before.events)+1 {
				t.Fatalf("%d events before, %d after, new: %+v; want exactly one new event", len(before.events), len(after.events), added)
			}
			e := added[0]
			for _, text := range []string{e.Status, e.Message, e.Location} {
				if !strings.Contains(blocks[name], text) {
					t.Errorf("recorded %+v, but the block does not show %q", e, text)
				}
			}
			if after.status != e.Status {
				t.Errorf("parcel status %s after a %s checkpoint", after.status, e.Status)
			}
			if !strings.Contains(out, `"recorded":1`) {
				t.Errorf("the block's output does not show the server's answer (recorded 1): %s", out)
			}
		})
	}
	t.Run("upload", func(t *testing.T) { readmeUpload(t, s, work, run) })
}

// readmeUpload runs the README's upload block with a photo.jpg in its
// directory, as the README asks, and checks that the photo it stored is
// served.
func readmeUpload(t *testing.T, s *testServer, work string, run func(*testing.T, string) string) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 640, 480)), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "photo.jpg"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, "upload")
	var res struct{ Data testserver.Uploaded }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("the upload block printed %q: %v", out, err)
	}
	m := res.Data.UploadMedia.Media
	if m.Kind != "PHOTO" || m.ThumbnailURL == nil {
		t.Fatalf("the upload block stored %+v (printed %s)", m, out)
	}
	if res, _ := s.GetMedia(t, m.URL); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET %s: %d %s", m.URL, res.StatusCode, res.Header.Get("Content-Type"))
	}

	// The reviews block shows the demo's seeded reviews of AC-1000, with
	// the store's reply and a display name, never an email.
	t.Run("reviews", func(t *testing.T) {
		out := run(t, "reviews")
		for _, want := range []string{`"averageRating":5`, `"displayName":"Mina O."`, `"byMerchant":true`} {
			if !strings.Contains(out, want) {
				t.Errorf("the reviews block printed no %s: %s", want, out)
			}
		}
		if strings.Contains(out, "@") || strings.Contains(out, `"errors"`) {
			t.Errorf("the reviews block printed an email or an error: %s", out)
		}
	})
}

// parcelEvent is one checkpoint as the API shows it.
type parcelEvent struct{ Status, Message, Location, OccurredAt string }

// parcelState is the demo parcel's status and timeline.
type parcelState struct {
	status string
	events []parcelEvent
}

// parcelEvents reads the demo order's parcel through the API, as its
// customer.
func parcelEvents(t *testing.T, s *testServer, token string) parcelState {
	t.Helper()
	var res struct {
		Order struct {
			Shipments []struct {
				Carrier, TrackingNumber, Status string
				Events                          struct {
					Edges []struct{ Node parcelEvent }
				}
			}
		}
	}
	s.GQL(t, token, `query($number: String!) { order(number: $number) { shipments {
		carrier trackingNumber status events(first: 100) { edges { node { status message location occurredAt } } } } } }`,
		map[string]any{"number": demo.InTransitOrderNumber}).MustOK(t, &res)
	for _, sh := range res.Order.Shipments {
		if sh.Carrier == demo.InTransitCarrier && sh.TrackingNumber == demo.InTransitTrackingNumber {
			st := parcelState{status: sh.Status}
			for _, e := range sh.Events.Edges {
				st.events = append(st.events, e.Node)
			}
			return st
		}
	}
	t.Fatalf("order %s has no parcel %s %s", demo.InTransitOrderNumber, demo.InTransitCarrier, demo.InTransitTrackingNumber)
	return parcelState{}
}
