package hooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/hooks"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// waitBound is how long a test waits for what should happen within a poll
// or two before it fails; nothing is measured against it.
const waitBound = 20 * time.Second

// testServer is the real server on a fake clock.
type testServer struct {
	*testserver.Server
	clock *clockwork.FakeClock
}

// mustServer starts the real server with a fake clock, a short poll, a
// backoff of attempt seconds (on that clock), three attempts per delivery,
// a 300 ms attempt timeout and http endpoints allowed.
func mustServer(t *testing.T, dbURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Now().Truncate(time.Second))
	base := func(c *app.Config) {
		c.Clock = clock
		c.Jobs.PollInterval = 20 * time.Millisecond
		c.Jobs.Backoff = func(attempt int) time.Duration { return time.Duration(attempt) * time.Second }
		c.Webhooks = hooks.Config{AllowHTTP: true, AllowPrivate: true, Timeout: 300 * time.Millisecond, MaxAttempts: 3}
	}
	return &testServer{Server: testserver.Start(t, dbURL, append([]func(*app.Config){base}, configure...)...), clock: clock}
}

// sys is a context that sees everything.
func sys(t *testing.T) context.Context { return auth.WithSystem(t.Context()) }

// admin is a staff token.
func (s *testServer) admin(t *testing.T) string { return s.Token(t, auth.RoleAdmin, "") }

// jobEvents returns s's River events of finished attempts.
func (s *testServer) jobEvents(t *testing.T) <-chan *river.Event {
	t.Helper()
	ch, cancel := s.Jobs.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	return ch
}

// waitEvent returns the next event of ch of kind ("": any) for a
// hooks.deliver job.
func waitEvent(t *testing.T, ch <-chan *river.Event, kind river.EventKind) *river.Event {
	t.Helper()
	deadline := time.After(waitBound)
	for {
		select {
		case e := <-ch:
			if (kind == "" || e.Kind == kind) && e.Job != nil && e.Job.Kind == "hooks.deliver" {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event of a hooks.deliver job within %s", kind, waitBound)
			return nil
		}
	}
}

// createEndpoint subscribes url to events through the API and returns
// its id and secret.
func (s *testServer) createEndpoint(t *testing.T, url string, events ...string) (id, secret string) {
	t.Helper()
	var out struct {
		CreateWebhookEndpoint struct {
			Endpoint struct{ ID string }
			Secret   string
		}
	}
	s.GQL(t, s.admin(t), `mutation($in: CreateWebhookEndpointInput!) {
	  createWebhookEndpoint(input: $in) { endpoint { id url events enabled } secret } }`,
		map[string]any{"in": map[string]any{"url": url, "events": events, "description": "ERP"}}).MustOK(t, &out)
	return out.CreateWebhookEndpoint.Endpoint.ID, out.CreateWebhookEndpoint.Secret
}

// deliveries returns every delivery, oldest first.
func (s *testServer) deliveries(t *testing.T) []*ent.WebhookDelivery {
	t.Helper()
	ds, err := s.DB.WebhookDelivery.Query().Order(ent.Asc("id")).All(sys(t))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// got is one request a receiver took.
type got struct {
	EventID, Event string
	Body           []byte
	// Verified: the signature is the body's under the receiver's secret,
	// at a timestamp within tolerance of the server's clock.
	Verified bool
	Envelope hooks.Envelope
}

// receiver is a real HTTP server (httptest) that answers each request
// with the next of its scripted answers (the last one repeats): a status
// code, or 0 for "hang until the client gives up".
type receiver struct {
	*httptest.Server
	clock clockwork.Clock
	got   chan got

	mu      sync.Mutex
	secret  []byte
	answers []int
	all     []got
}

// startReceiver starts a receiver until the test ends.
func startReceiver(t *testing.T, clock clockwork.Clock, answers ...int) *receiver {
	t.Helper()
	r := &receiver{clock: clock, got: make(chan got, 100), answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// setSecret sets the secret signatures are checked with.
func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = []byte(s)
}

// script replaces the answers still to come.
func (r *receiver) script(answers ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = answers
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	g := got{EventID: req.Header.Get(hooks.EventIDHeader), Event: req.Header.Get(hooks.EventHeader), Body: body,
		Verified: hooks.Verify(r.secret, req.Header.Get(hooks.TimestampHeader), req.Header.Get(hooks.SignatureHeader), body, r.clock.Now(), 0)}
	_ = json.Unmarshal(body, &g.Envelope)
	answer := 200
	if len(r.answers) > 0 {
		answer = r.answers[0]
		if len(r.answers) > 1 {
			r.answers = r.answers[1:]
		}
	}
	r.all = append(r.all, g)
	r.mu.Unlock()
	r.got <- g
	if answer == 0 {
		<-req.Context().Done() // hang until the client times out
		return
	}
	w.WriteHeader(answer)
	_, _ = io.WriteString(w, http.StatusText(answer)+" from the receiver")
}

// wait returns the next request received.
func (r *receiver) wait(t *testing.T) got {
	t.Helper()
	select {
	case g := <-r.got:
		return g
	case <-time.After(waitBound):
		t.Fatalf("no webhook request within %s", waitBound)
		return got{}
	}
}

// received returns every request so far.
func (r *receiver) received() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]got(nil), r.all...)
}
