package hooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/webhookattempt"
	"github.com/aftercart/aftercart/ent/webhookdelivery"
	"github.com/aftercart/aftercart/ent/webhookendpoint"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/jobs"
)

// Defaults of Config's zero fields.
const (
	// DefaultTimeout bounds one attempt (connect, send, answer): a
	// receiver that hangs holds a worker at most this long.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxAttempts is a delivery's attempts before it is DEAD: with
	// the job system's attempt⁴-second backoff, eight span about 1.7
	// hours (as for messages, server/notify), enough to ride out a
	// receiver's deploy or short outage.
	DefaultMaxAttempts = 8
	// MaxEndpoints bounds a store's endpoints: every event reads them in
	// its cause's transaction, and webhookEndpoints is a plain list.
	MaxEndpoints = 20
)

// Config configures the Service.
type Config struct {
	// AllowHTTP accepts http:// endpoints (development mode and tests);
	// production endpoints must use https.
	AllowHTTP bool
	// AllowPrivate accepts endpoints on loopback, private and link-local
	// addresses (development mode, tests, -webhook-allow-private); without
	// it they are refused at save and at connect time (guard.go).
	AllowPrivate bool
	// Timeout bounds one attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts is a delivery's attempts before it is DEAD; zero means
	// DefaultMaxAttempts.
	MaxAttempts int
	// Clock dates events, attempts and signatures; nil is the real clock.
	Clock clockwork.Clock
	// Log gets one WARN line per failed attempt; nil discards.
	Log *slog.Logger
}

// Service is the outbound webhooks of the store's own systems. It is
// safe for concurrent use.
type Service struct {
	db     *db.DB
	jobs   *jobs.System
	cfg    Config
	log    *slog.Logger
	client *http.Client
}

// NewService returns the service over d, delivering through j: it
// registers its worker with j (before j starts) and the events' hooks on
// d's client (see Register).
func NewService(d *db.DB, j *jobs.System, cfg Config) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: d, jobs: j, cfg: cfg, log: cfg.Log, client: NewClient(cfg.Timeout, cfg.AllowPrivate)}
	jobs.AddWorker(j, &deliverWorker{s: s})
	s.Register(d.Client)
	return s
}

// now is the clock's time without its monotonic reading (SQLite stores a
// time as its String()).
func (s *Service) now() time.Time { return s.cfg.Clock.Now().Round(0) }

// EndpointInput is a new endpoint.
type EndpointInput struct {
	// URL is where deliveries go.
	URL string
	// Events are the events it gets (at least one).
	Events []types.WebhookEvent
	// Description says what it is, for staff.
	Description *string
}

// EndpointPatch changes an endpoint; nil fields stay.
type EndpointPatch struct {
	// URL, Events, Description and Enabled replace the endpoint's.
	URL         *string
	Events      []types.WebhookEvent
	Description *string
	Enabled     *bool
	// RotateSecret gives the endpoint a new secret (returned once).
	RotateSecret bool
}

// Endpoints lists the endpoints, oldest first.
func (s *Service) Endpoints(ctx context.Context) ([]*ent.WebhookEndpoint, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return s.db.WebhookEndpoint.Query().Order(ent.Asc(webhookendpoint.FieldCreatedAt), ent.Asc(webhookendpoint.FieldID)).All(ctx)
}

// CreateEndpoint subscribes a new endpoint and returns it with its
// secret, which is never shown again (a rotation makes a new one).
func (s *Service) CreateEndpoint(ctx context.Context, in EndpointInput) (*ent.WebhookEndpoint, string, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, "", err
	}
	u, err := s.CheckURL(in.URL)
	if err != nil {
		return nil, "", err
	}
	events, err := checkEvents(in.Events)
	if err != nil {
		return nil, "", err
	}
	desc, err := checkDescription(in.Description)
	if err != nil {
		return nil, "", err
	}
	secret := newSecret()
	var e *ent.WebhookEndpoint
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		n, err := tx.WebhookEndpoint.Query().Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxEndpoints {
			return errs.Errorf(errs.Conflict, "a store has at most %d webhook endpoints; delete one first", MaxEndpoints)
		}
		e, err = tx.WebhookEndpoint.Create().SetURL(u).SetSecret(secret).SetEvents(events).
			SetDescription(desc).SetCreatedBy(subject(ctx)).SetCreatedAt(s.now()).SetUpdatedAt(s.now()).Save(ctx)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return e, secret, nil
}

// UpdateEndpoint applies p to endpoint id; the new secret is returned
// when p rotates it.
func (s *Service) UpdateEndpoint(ctx context.Context, id int, p EndpointPatch) (*ent.WebhookEndpoint, *string, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, nil, err
	}
	up := s.db.WebhookEndpoint.UpdateOneID(id).SetUpdatedAt(s.now())
	if p.URL != nil {
		u, err := s.CheckURL(*p.URL)
		if err != nil {
			return nil, nil, err
		}
		up.SetURL(u)
	}
	if p.Events != nil {
		events, err := checkEvents(p.Events)
		if err != nil {
			return nil, nil, err
		}
		up.SetEvents(events)
	}
	if p.Description != nil {
		desc, err := checkDescription(p.Description)
		if err != nil {
			return nil, nil, err
		}
		up.SetDescription(desc)
	}
	if p.Enabled != nil {
		up.SetEnabled(*p.Enabled)
	}
	var secret *string
	if p.RotateSecret {
		v := newSecret()
		secret = &v
		up.SetSecret(v)
	}
	e, err := up.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, errs.Errorf(errs.NotFound, "no webhook endpoint %d", id)
	}
	if err != nil {
		return nil, nil, err
	}
	return e, secret, nil
}

// DeleteEndpoint deletes endpoint id with its delivery log; a delivery
// job still queued for it finds nothing and ends.
func (s *Service) DeleteEndpoint(ctx context.Context, id int) error {
	if err := auth.RequireStaff(ctx); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		if _, err := tx.WebhookAttempt.Delete().Where(webhookattempt.HasDeliveryWith(webhookdelivery.EndpointID(id))).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.WebhookDelivery.Delete().Where(webhookdelivery.EndpointID(id)).Exec(ctx); err != nil {
			return err
		}
		err := tx.WebhookEndpoint.DeleteOneID(id).Exec(ctx)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "no webhook endpoint %d", id)
		}
		return err
	})
}

// CheckURL checks an endpoint URL and returns it normalized: absolute,
// https (http only with Config.AllowHTTP), a host, no credentials (the
// signature authenticates deliveries; a password in a URL ends up in
// logs), no fragment. Errors are INVALID_INPUT and never repeat the URL.
func (s *Service) CheckURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > 2048 {
		return "", errs.Invalid("url", "is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Hostname() == "" {
		return "", errs.Invalid("url", "is not an absolute URL like https://hooks.example.com/aftercart")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !s.cfg.AllowHTTP {
			return "", errs.Invalid("url", "must use https (http is accepted only in development mode)")
		}
	default:
		return "", errs.Invalid("url", "must use https")
	}
	if !s.cfg.AllowPrivate && privateHost(u.Hostname()) {
		return "", errs.Invalid("url", "names a loopback, private or link-local address; endpoints must be public (-webhook-allow-private allows private ones)")
	}
	if u.User != nil {
		return "", errs.Invalid("url", "must not carry credentials (user:password@): deliveries are authenticated by their signature")
	}
	if u.Fragment != "" {
		return "", errs.Invalid("url", "must not have a #fragment")
	}
	return u.String(), nil
}

// checkEvents checks and dedupes events.
func checkEvents(in []types.WebhookEvent) ([]types.WebhookEvent, error) {
	if len(in) == 0 {
		return nil, errs.Invalid("events", "needs at least one event")
	}
	var out []types.WebhookEvent
	for _, e := range in {
		if !e.Valid() {
			return nil, errs.Invalid("events", "has an unknown event %q", e)
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// checkDescription trims a description and checks its length.
func checkDescription(d *string) (string, error) {
	if d == nil {
		return "", nil
	}
	v := strings.TrimSpace(*d)
	if len(v) > 200 {
		return "", errs.Invalid("description", "is longer than 200 bytes")
	}
	return v, nil
}

// newSecret is a new endpoint secret: 32 random bytes, base64url, with a
// prefix that says what it is when it turns up in a receiver's config.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand's contract)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// newEventID is a new event id.
func newEventID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "evt_" + hex.EncodeToString(b)
}

// subject is the staff token's subject, for created_by.
func subject(ctx context.Context) string {
	if v, ok := auth.FromContext(ctx); ok {
		return fmt.Sprintf("%s:%s", v.Role, v.Subject)
	}
	return "system"
}

// Attempts are delivery id's attempts, newest first, at most the 50
// latest (replays can make a delivery's log long).
func (s *Service) Attempts(ctx context.Context, id int) ([]*ent.WebhookAttempt, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return s.db.WebhookAttempt.Query().Where(webhookattempt.DeliveryID(id)).
		Order(ent.Desc(webhookattempt.FieldNumber)).Limit(50).All(ctx)
}
