package hooks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

const createEndpoint = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { endpoint { id } secret } }`

// TestEndpointRules: bad URLs and event lists are INVALID_INPUT (and never
// echo the URL); http is refused in production; customers get FORBIDDEN
// on every query and command; updates apply, a rotation returns a new
// secret once, and delete removes the endpoint.
func TestEndpointRules(t *testing.T) {
	prod := testserver.Start(t, "", func(c *app.Config) { c.Webhooks.AllowHTTP = false })
	admin := prod.Token(t, auth.RoleAdmin, "")
	for _, c := range []struct {
		name   string
		url    string
		events []string
	}{
		{"http in production", "http://erp.example.com/hook", []string{"ORDER_CREATED"}},
		{"credentials", "https://user:hunter2@erp.example.com/hook", []string{"ORDER_CREATED"}},
		{"not absolute", "/hook", []string{"ORDER_CREATED"}},
		{"other scheme", "ftp://erp.example.com/hook", []string{"ORDER_CREATED"}},
		{"fragment", "https://erp.example.com/hook#x", []string{"ORDER_CREATED"}},
		{"no events", "https://erp.example.com/hook", []string{}},
	} {
		res := prod.GQL(t, admin, createEndpoint, map[string]any{"in": map[string]any{"url": c.url, "events": c.events}})
		res.MustCode(t, "INVALID_INPUT")
		if strings.Contains(res.Errors[0].Message, "hunter2") {
			t.Errorf("%s: the error repeats the URL: %s", c.name, res.Errors[0].Message)
		}
	}
	var out struct {
		CreateWebhookEndpoint struct {
			Endpoint struct{ ID string }
			Secret   string
		}
	}
	prod.GQL(t, admin, createEndpoint, map[string]any{"in": map[string]any{"url": "https://erp.example.com/hook",
		"events": []string{"ORDER_CREATED", "ORDER_CREATED", "REVIEW_PUBLISHED"}}}).MustOK(t, &out)
	id := out.CreateWebhookEndpoint.Endpoint.ID

	mina := prod.Token(t, auth.RoleCustomer, "mina@example.com")
	for _, q := range []struct {
		query string
		vars  map[string]any
	}{
		{`{ webhookEndpoints { id } }`, nil},
		{`query($id: ID!) { webhookDeliveries(endpointId: $id, first: 5) { edges { node { id } } } }`, map[string]any{"id": id}},
		{createEndpoint, map[string]any{"in": map[string]any{"url": "https://x.example.com", "events": []string{"ORDER_CREATED"}}}},
		{`mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { endpoint { id } } }`, map[string]any{"id": id}},
		{`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedId } }`, map[string]any{"id": id}},
		{`mutation($id: ID!) { replayWebhookDelivery(id: $id) { delivery { id } } }`, map[string]any{"id": id}},
	} {
		prod.GQL(t, mina, q.query, q.vars).MustCode(t, "FORBIDDEN")
	}

	var upd struct {
		UpdateWebhookEndpoint struct {
			Endpoint struct {
				Events  []string
				Enabled bool
			}
			Secret *string
		}
	}
	prod.GQL(t, admin, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false, events: [SHIPMENT_EXCEPTION], rotateSecret: true }) {
	  endpoint { events enabled } secret } }`, map[string]any{"id": id}).MustOK(t, &upd)
	u := upd.UpdateWebhookEndpoint
	if u.Endpoint.Enabled || len(u.Endpoint.Events) != 1 || u.Secret == nil || *u.Secret == out.CreateWebhookEndpoint.Secret {
		t.Errorf("update: %+v", u)
	}
	var list struct{ WebhookEndpoints []struct{ ID string } }
	prod.GQL(t, admin, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedId } }`, map[string]any{"id": id}).MustOK(t, nil)
	prod.GQL(t, admin, `{ webhookEndpoints { id } }`, nil).MustOK(t, &list)
	if len(list.WebhookEndpoints) != 0 {
		t.Errorf("after delete: %+v", list)
	}
}

// TestOrderAndShipmentEvents: shipping an order changes its status
// (ORDER_STATUS_CHANGED with the previous status) and a carrier's
// exception event is SHIPMENT_EXCEPTION; an endpoint gets only the events
// it subscribed to.
func TestOrderAndShipmentEvents(t *testing.T) {
	s := mustServer(t, "")
	rcv := startReceiver(t, s.clock, 200)
	_, secret := s.createEndpoint(t, rcv.URL, "ORDER_STATUS_CHANGED", "SHIPMENT_EXCEPTION")
	rcv.setSecret(secret)
	o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-7301", Items: 1})
	s.MustShip(t, o.ID, "DHL", "EX7301")
	g := rcv.wait(t)
	data, _ := g.Envelope.Data.(map[string]any)
	if g.Event != "ORDER_STATUS_CHANGED" || !g.Verified || data["number"] != "AC-7301" || data["status"] != "SHIPPED" ||
		data["previousStatus"] != "UNFULFILLED" {
		t.Errorf("status change: %s %s", g.Event, g.Body)
	}
	s.MustTrack(t, "DHL", "EX7301", testserver.Event("ex-1", "EXCEPTION", time.Now().Add(-time.Hour)))
	g = rcv.wait(t)
	data, _ = g.Envelope.Data.(map[string]any)
	if g.Event != "SHIPMENT_EXCEPTION" || data["trackingNumber"] != "EX7301" || data["status"] != "EXCEPTION" {
		t.Errorf("exception: %s %s", g.Event, g.Body)
	}
	for _, r := range rcv.received() {
		if r.Event == "ORDER_CREATED" {
			t.Errorf("an unsubscribed event was delivered: %s", r.Body)
		}
	}
}
