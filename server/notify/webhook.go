package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/hooks"
)

// DefaultWebhookTimeout bounds one attempt of the WEBHOOK channel: a
// provider that hangs fails the attempt instead of holding a worker.
const DefaultWebhookTimeout = 10 * time.Second

// WebhookConfig is the WEBHOOK channel's provider: an SMS or push
// gateway (or the store's own relay to one) that takes each message as a
// signed JSON POST.
type WebhookConfig struct {
	// URL is the provider's endpoint. Empty, or Config.Dev, keeps WEBHOOK
	// messages in the outbox (rendered and recorded, nothing sent).
	URL string
	// Secret signs every request (hooks.Sign); required with URL.
	Secret string
	// Timeout bounds one attempt; zero means DefaultWebhookTimeout.
	Timeout time.Duration
}

// WebhookPayload is the JSON body the WEBHOOK channel POSTs, signed like
// the outbound store webhooks (server/hooks: X-Aftercart-Signature over
// X-Aftercart-Timestamp and the body, X-Aftercart-Event-Id).
type WebhookPayload struct {
	// ID is the message's delivery id, the same on every attempt (also in
	// the X-Aftercart-Event-Id header): a provider that drops duplicates
	// by it sends one SMS for a message tried twice.
	ID string `json:"id"`
	// Kind is the journey step (ORDER_CONFIRMATION, SHIPPED, ...).
	Kind string `json:"kind"`
	// Recipient is the message's recipient as queued (a phone number or
	// device token the journey chose); may be empty.
	Recipient string `json:"recipient"`
	// Customer is who it is for; null for none.
	Customer *WebhookCustomer `json:"customer"`
	// OrderNumber is the order it is about; null for none.
	OrderNumber *string `json:"orderNumber"`
	// Title and Text are the rendered subject and plain-text part.
	Title string `json:"title"`
	Text  string `json:"text"`
	// Transactional is false for marketing messages.
	Transactional bool `json:"transactional"`
}

// WebhookCustomer is the customer of a WebhookPayload.
type WebhookCustomer struct {
	// ID is aftercart's id; Reference the store's own (the imported
	// customer's externalId), which the provider knows its contact by.
	ID        int     `json:"id"`
	Reference *string `json:"reference"`
	Email     string  `json:"email"`
}

// webhookSender is the WEBHOOK channel's way out.
type webhookSender struct {
	cfg    WebhookConfig
	client *http.Client
	now    func() time.Time
}

// newWebhookSender returns the channel's sender, or nil when WEBHOOK
// messages stay in the outbox (no URL, or dev mode).
func newWebhookSender(cfg Config) (*webhookSender, error) {
	w := cfg.Webhook
	if w.URL == "" || cfg.Dev {
		return nil, nil
	}
	if w.Secret == "" {
		return nil, errors.New("notify: the WEBHOOK channel needs a secret (-webhook-channel-secret) with its URL")
	}
	if w.Timeout <= 0 {
		w.Timeout = DefaultWebhookTimeout
	}
	return &webhookSender{cfg: w, client: hooks.NewClient(w.Timeout, true), now: func() time.Time { return cfg.Clock.Now() }}, nil
}

// finalError is a failed attempt that trying again cannot fix (the
// provider refused the request with a 4xx other than 408 and 429): the
// message is DEAD at once, the answer in last_error.
type finalError struct{ error }

// isFinal reports whether err is a finalError.
func isFinal(err error) bool {
	var f finalError
	return errors.As(err, &f)
}

// sendWebhook POSTs m to the provider: 2xx is sent; a timeout, a
// refused connection, a 5xx, 408 or 429 is retried; any other 4xx is
// final.
func (s *Service) sendWebhook(ctx context.Context, m *ent.Message) error {
	body, err := s.webhookPayload(ctx, m)
	if err != nil {
		return err
	}
	id := hashKey(m.DedupeKey)
	res := hooks.Post(ctx, s.webhook.client, hooks.Request{URL: s.webhook.cfg.URL, Secret: []byte(s.webhook.cfg.Secret),
		EventID: id, Event: string(m.Kind), Body: body, Now: s.webhook.now()})
	if res.Err != nil && res.Final {
		return finalError{res.Err}
	}
	return res.Err
}

// webhookPayload is m's JSON body.
func (s *Service) webhookPayload(ctx context.Context, m *ent.Message) ([]byte, error) {
	ctx = auth.WithSystem(ctx)
	p := WebhookPayload{ID: hashKey(m.DedupeKey), Kind: string(m.Kind), Recipient: m.Recipient,
		Title: deref(m.Subject), Text: deref(m.BodyText), Transactional: m.Transactional}
	if m.CustomerID != nil {
		cu, err := s.db.Customer.Get(ctx, *m.CustomerID)
		if err != nil {
			return nil, fmt.Errorf("reading the customer: %w", err)
		}
		p.Customer = &WebhookCustomer{ID: cu.ID, Reference: cu.ExternalID, Email: cu.Email}
	}
	if m.OrderID != nil {
		o, err := s.db.Order.Get(ctx, *m.OrderID)
		if err != nil {
			return nil, fmt.Errorf("reading the order: %w", err)
		}
		p.OrderNumber = &o.Number
	}
	return json.Marshal(p)
}
