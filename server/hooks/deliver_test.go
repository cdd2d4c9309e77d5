package hooks_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/webhookdelivery"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// deliveryLog is the staff query of an endpoint's log, with attempts.
const deliveryLog = `query($id: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $id, first: 10, where: { status: $status }) {
    edges { node { id eventId event status attempts lastStatusCode lastError payload
      attemptLog { number statusCode error responseExcerpt durationMs } } }
  }
}`

// logOut decodes deliveryLog.
type logOut struct {
	WebhookDeliveries struct {
		Edges []struct {
			Node struct {
				ID, EventID, Event, Status, Payload string
				Attempts                            int
				LastStatusCode                      *int
				LastError                           *string
				AttemptLog                          []struct {
					Number          int
					StatusCode      *int
					Error           *string
					ResponseExcerpt string
				}
			}
		}
	}
}

// TestDeliveryFailsTimesOutRecovers, on both databases, against a real
// HTTP receiver: an import's ORDER_CREATED goes to the subscribed
// endpoint; a 500 fails the attempt (FAILED, retried after the backoff on
// the server's clock), a receiver that hangs fails the next after the
// timeout, the third gets a 200 (SUCCEEDED). Every request carries the
// same event id and body and a signature the receiver verifies with the
// secret it was shown once. The log shows every attempt; a delivery still
// being tried cannot be replayed (CONFLICT); a replay of the succeeded one
// sends the same event again.
func TestDeliveryFailsTimesOutRecovers(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		rcv := startReceiver(t, s.clock, 500, 0, 200)
		epID, secret := s.createEndpoint(t, rcv.URL, "ORDER_CREATED")
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		rcv.setSecret(secret)
		events := s.jobEvents(t)
		s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-7001", Items: 1})

		first := rcv.wait(t)
		waitEvent(t, events, river.EventKindJobFailed)
		d := s.deliveries(t)
		if len(d) != 1 || d[0].Status != webhookdelivery.StatusFAILED || d[0].Attempts != 1 || d[0].LastStatusCode == nil ||
			*d[0].LastStatusCode != 500 {
			t.Fatalf("after a 500: %+v", d)
		}
		// Still being tried: no replay.
		s.GQL(t, s.admin(t), `mutation($id: ID!) { replayWebhookDelivery(id: $id) { delivery { id } } }`,
			map[string]any{"id": d[0].ID}).MustCode(t, "CONFLICT")

		s.clock.Advance(time.Second)
		second := rcv.wait(t) // hangs past the 300 ms timeout
		waitEvent(t, events, river.EventKindJobFailed)
		s.clock.Advance(2 * time.Second)
		third := rcv.wait(t)
		waitEvent(t, events, river.EventKindJobCompleted)

		for i, g := range []got{first, second, third} {
			if !g.Verified || g.EventID != first.EventID || !bytes.Equal(g.Body, first.Body) || g.Event != "ORDER_CREATED" {
				t.Errorf("request %d: verified %v, event %s %s, body %s", i+1, g.Verified, g.Event, g.EventID, g.Body)
			}
		}
		env := first.Envelope
		data, _ := env.Data.(map[string]any)
		if env.ID != first.EventID || env.Type != types.WebhookOrderCreated || data["number"] != "AC-7001" || data["status"] != "UNFULFILLED" {
			t.Errorf("payload %s", first.Body)
		}

		var out logOut
		s.GQL(t, s.admin(t), deliveryLog, map[string]any{"id": epID}).MustOK(t, &out)
		if len(out.WebhookDeliveries.Edges) != 1 {
			t.Fatalf("log: %+v", out)
		}
		n := out.WebhookDeliveries.Edges[0].Node
		if n.Status != "SUCCEEDED" || n.Attempts != 3 || n.EventID != first.EventID || n.LastError != nil ||
			n.LastStatusCode == nil || *n.LastStatusCode != 200 || n.Payload != string(first.Body) || len(n.AttemptLog) != 3 {
			t.Fatalf("delivery: %+v", n)
		}
		a3, a2, a1 := n.AttemptLog[0], n.AttemptLog[1], n.AttemptLog[2]
		if a3.Number != 3 || a3.StatusCode == nil || *a3.StatusCode != 200 || a3.Error != nil ||
			a3.ResponseExcerpt != "OK from the receiver" {
			t.Errorf("attempt 3: %+v", a3)
		}
		if a2.Number != 2 || a2.StatusCode != nil || a2.Error == nil || !strings.Contains(*a2.Error, "timed out") {
			t.Errorf("attempt 2 (hung receiver): %+v", a2)
		}
		if a1.Number != 1 || a1.StatusCode == nil || *a1.StatusCode != 500 || a1.Error == nil ||
			!strings.Contains(*a1.Error, "500") || a1.ResponseExcerpt != "Internal Server Error from the receiver" {
			t.Errorf("attempt 1: %+v", a1)
		}
		// Filtered by status.
		var failed logOut
		s.GQL(t, s.admin(t), deliveryLog, map[string]any{"id": epID, "status": "DEAD"}).MustOK(t, &failed)
		if len(failed.WebhookDeliveries.Edges) != 0 {
			t.Errorf("DEAD filter: %+v", failed)
		}

		// Replay: one more request, same event id and body.
		s.GQL(t, s.admin(t), `mutation($id: ID!) { replayWebhookDelivery(id: $id) { delivery { id status } } }`,
			map[string]any{"id": n.ID}).MustOK(t, nil)
		again := rcv.wait(t)
		waitEvent(t, events, river.EventKindJobCompleted)
		if !again.Verified || again.EventID != first.EventID || !bytes.Equal(again.Body, first.Body) {
			t.Errorf("replay: %+v", again)
		}
		if d := s.deliveries(t); d[0].Status != webhookdelivery.StatusSUCCEEDED || d[0].Attempts != 4 {
			t.Errorf("after the replay: %s, %d attempts", d[0].Status, d[0].Attempts)
		}
		if n := len(rcv.received()); n != 4 {
			t.Errorf("receiver got %d requests, want 4", n)
		}
		if logs := s.Logs.String(); !strings.Contains(logs, "webhook attempt failed") || strings.Contains(logs, secret) {
			t.Errorf("logs:\n%s", logs)
		}
	})
}

// TestFinalAndLastAttempt: a 4xx other than 408/429 is final (DEAD at
// once, the status in last_error, one request); a receiver that keeps
// answering 503 gets the configured three attempts, then the delivery is
// DEAD; a 429 is retried. Each endpoint gets its own delivery of one
// event, with the same event id.
func TestFinalAndLastAttempt(t *testing.T) {
	s := mustServer(t, "")
	refuses := startReceiver(t, s.clock, 400)
	down := startReceiver(t, s.clock, 429, 503)
	idRefuses, secret1 := s.createEndpoint(t, refuses.URL, "ORDER_CREATED")
	_, secret2 := s.createEndpoint(t, down.URL, "ORDER_CREATED")
	refuses.setSecret(secret1)
	down.setSecret(secret2)
	if secret1 == secret2 {
		t.Fatal("two endpoints got the same secret")
	}
	events := s.jobEvents(t)
	s.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "AC-7101", Items: 1})
	r1, r2 := refuses.wait(t), down.wait(t)
	if !r1.Verified || !r2.Verified || r1.EventID != r2.EventID {
		t.Errorf("the two endpoints' requests: %+v %+v", r1, r2)
	}
	// The 400 is final (cancelled), the 429 retried (failed), in either
	// order.
	kinds := map[river.EventKind]int{}
	for range 2 {
		e := waitEvent(t, events, "")
		kinds[e.Kind]++
	}
	if kinds[river.EventKindJobCancelled] != 1 || kinds[river.EventKindJobFailed] != 1 {
		t.Fatalf("first attempts ended %v, want one cancelled (400) and one failed (429)", kinds)
	}
	// Each retry is scheduled when its attempt fails: move the clock only
	// after that.
	s.clock.Advance(time.Second)
	down.wait(t)
	waitEvent(t, events, river.EventKindJobFailed) // the first 503
	s.clock.Advance(2 * time.Second)
	down.wait(t)
	waitEvent(t, events, river.EventKindJobCancelled) // the second 503, the third attempt: DEAD
	for _, d := range s.deliveries(t) {
		if d.Status != webhookdelivery.StatusDEAD || d.LastError == nil {
			t.Fatalf("delivery %d: %s, %v", d.ID, d.Status, d.LastError)
		}
		if strings.Contains(*d.LastError, "400") {
			if d.Attempts != 1 || !strings.Contains(*d.LastError, "final") {
				t.Errorf("the 400: %d attempts, %q", d.Attempts, *d.LastError)
			}
		} else if d.Attempts != 3 || !strings.Contains(*d.LastError, "503") {
			t.Errorf("the 503s: %d attempts, %q", d.Attempts, *d.LastError)
		}
	}
	if n := len(refuses.received()); n != 1 {
		t.Errorf("the refusing endpoint got %d requests, want 1", n)
	}
	// A DEAD delivery can be replayed.
	var out logOut
	s.GQL(t, s.admin(t), deliveryLog, map[string]any{"id": idRefuses, "status": "DEAD"}).MustOK(t, &out)
	if len(out.WebhookDeliveries.Edges) != 1 {
		t.Fatalf("DEAD log: %+v", out)
	}
	refuses.script(200)
	s.GQL(t, s.admin(t), `mutation($id: ID!) { replayWebhookDelivery(id: $id) { delivery { status } } }`,
		map[string]any{"id": out.WebhookDeliveries.Edges[0].Node.ID}).MustOK(t, nil)
	if g := refuses.wait(t); g.EventID != r1.EventID {
		t.Errorf("replayed event id %s, want %s", g.EventID, r1.EventID)
	}
	waitEvent(t, events, river.EventKindJobCompleted)
}

// TestRollbackSendsNothing: an order created in a transaction that rolls
// back leaves no delivery and no job; the same in a committed transaction
// leaves one delivery.
func TestRollbackSendsNothing(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		rcv := startReceiver(t, s.clock, 200)
		_, secret := s.createEndpoint(t, rcv.URL, "ORDER_CREATED")
		rcv.setSecret(secret)
		s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "AC-7201", Items: 1})
		rcv.wait(t)
		imported, err := s.DB.Order.Query().Only(sys(t))
		if err != nil {
			t.Fatal(err)
		}
		create := func(ctx context.Context, tx *ent.Tx, number string) error {
			return tx.Order.Create().SetNumber(number).SetExternalID("ext-" + number).SetCustomerID(imported.CustomerID).
				SetPlacedAt(time.Now()).SetCurrency("EUR").SetShippingAddress(imported.ShippingAddress).Exec(ctx)
		}
		boom := errors.New("boom")
		err = s.DB.WithTx(sys(t), func(ctx context.Context, tx *ent.Tx) error {
			if err := create(ctx, tx, "AC-7202"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rolled-back transaction: %v", err)
		}
		if n := len(s.deliveries(t)); n != 1 {
			t.Fatalf("%d deliveries after a rollback, want 1 (the import's)", n)
		}
		if err := s.DB.WithTx(sys(t), func(ctx context.Context, tx *ent.Tx) error { return create(ctx, tx, "AC-7203") }); err != nil {
			t.Fatal(err)
		}
		g := rcv.wait(t)
		if data, _ := g.Envelope.Data.(map[string]any); data["number"] != "AC-7203" || len(s.deliveries(t)) != 2 {
			t.Errorf("committed: %s, %d deliveries", g.Body, len(s.deliveries(t)))
		}
	})
}
