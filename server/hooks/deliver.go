package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/webhookdelivery"
	"github.com/aftercart/aftercart/ent/webhookendpoint"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Envelope is the JSON body of every delivery.
type Envelope struct {
	// ID is the event id (also EventIDHeader): the same for every
	// endpoint, attempt and replay of one event.
	ID string `json:"id"`
	// Type is the event (also EventHeader).
	Type types.WebhookEvent `json:"type"`
	// CreatedAt is when the event happened, RFC 3339 in UTC.
	CreatedAt string `json:"createdAt"`
	// Data is the event's own payload (see events.go).
	Data any `json:"data"`
}

// Emit writes one delivery of event to each enabled endpoint subscribed to
// it, and their jobs, in tx (the transaction of the event's cause): a
// rollback leaves nothing; nothing is sent before the commit. It runs in
// the cause's request, so it only writes rows; the job does the HTTP.
func (s *Service) Emit(ctx context.Context, tx *ent.Tx, event types.WebhookEvent, data any) error {
	ctx = auth.WithSystem(ctx)
	eps, err := tx.WebhookEndpoint.Query().Where(webhookendpoint.Enabled(true)).All(ctx)
	if err != nil {
		return err
	}
	eps = slices.DeleteFunc(eps, func(e *ent.WebhookEndpoint) bool { return !slices.Contains(e.Events, event) })
	if len(eps) == 0 {
		return nil
	}
	now := s.now()
	eventID := newEventID()
	body, err := json.Marshal(Envelope{ID: eventID, Type: event, CreatedAt: now.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Data: data})
	if err != nil {
		return fmt.Errorf("hooks: encoding %s: %w", event, err)
	}
	for _, e := range eps {
		d, err := tx.WebhookDelivery.Create().SetEndpointID(e.ID).SetEventID(eventID).SetEvent(event).
			SetPayload(string(body)).SetMaxAttempts(s.cfg.MaxAttempts).SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return fmt.Errorf("hooks: writing the %s delivery: %w", event, err)
		}
		if _, err := s.jobs.Enqueue(ctx, tx, DeliverArgs{DeliveryID: d.ID}, s.deliverOpts()); err != nil {
			return err
		}
	}
	return nil
}

// DeliverArgs is the job of one delivery.
type DeliverArgs struct {
	// DeliveryID is the delivery's row id (jobs carry ids, never bodies).
	DeliveryID int `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "hooks.deliver" }

// deliverOpts: River tries a job as often as the delivery may be tried.
func (s *Service) deliverOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: s.cfg.MaxAttempts}
}

// deliverWorker runs delivery jobs.
type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// Work implements river.Worker.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.s.deliver(auth.WithSystem(ctx), job.Args.DeliveryID)
}

// deliver tries delivery id once more, if it is still to be tried: count
// the attempt and commit, POST (outside any transaction: a slow receiver
// holds no lock), then record the attempt and the outcome.
func (s *Service) deliver(ctx context.Context, id int) error {
	var d *ent.WebhookDelivery
	var ep *ent.WebhookEndpoint
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if ent.IsNotFound(err) || errs.CodeOf(err) == errs.NotFound {
			return nil // its endpoint was deleted
		}
		if err != nil {
			return err
		}
		if cur.Status == webhookdelivery.StatusSUCCEEDED || cur.Status == webhookdelivery.StatusDEAD {
			return nil // done already: a duplicate or late job
		}
		if ep, err = tx.WebhookEndpoint.Get(ctx, cur.EndpointID); err != nil {
			return err
		}
		d, err = tx.WebhookDelivery.UpdateOne(cur).AddAttempts(1).SetLastAttemptAt(s.now()).SetUpdatedAt(s.now()).Save(ctx)
		return err
	})
	if err != nil || d == nil {
		return err
	}
	res := Post(ctx, s.client, Request{URL: ep.URL, Secret: []byte(ep.Secret), EventID: d.EventID,
		Event: string(d.Event), Body: []byte(d.Payload), Now: *d.LastAttemptAt})
	return s.record(ctx, d, res)
}

// record writes attempt d.Attempts and the delivery's outcome. A failure
// is FAILED and returned, so River retries after the backoff; on the last
// attempt, or a final answer (a 4xx), it is DEAD and the job ends.
func (s *Service) record(ctx context.Context, d *ent.WebhookDelivery, res Result) error {
	dead := res.Err != nil && (res.Final || d.Attempts >= d.MaxAttempts)
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		a := tx.WebhookAttempt.Create().SetDeliveryID(d.ID).SetNumber(d.Attempts).SetStartedAt(*d.LastAttemptAt).
			SetDurationMs(int(res.Duration.Milliseconds())).SetResponseExcerpt(res.Excerpt)
		up := tx.WebhookDelivery.UpdateOneID(d.ID).SetUpdatedAt(s.now())
		if res.StatusCode != 0 {
			a.SetStatusCode(res.StatusCode)
			up.SetLastStatusCode(res.StatusCode)
		} else {
			up.ClearLastStatusCode()
		}
		switch {
		case res.Err == nil:
			up.SetStatus(webhookdelivery.StatusSUCCEEDED).SetDeliveredAt(s.now()).ClearLastError()
		case dead:
			up.SetStatus(webhookdelivery.StatusDEAD).SetLastError(truncate(res.Err.Error(), 2000))
		default:
			up.SetStatus(webhookdelivery.StatusFAILED).SetLastError(truncate(res.Err.Error(), 2000))
		}
		if res.Err != nil {
			a.SetError(truncate(res.Err.Error(), 1000))
		}
		if err := a.Exec(ctx); err != nil {
			return err
		}
		return up.Exec(ctx)
	})
	if err != nil {
		// Not recorded: the job fails and runs again (at least once).
		return err
	}
	if res.Err == nil {
		return nil
	}
	s.log.Warn("webhook attempt failed", "delivery", d.ID, "event", d.Event, "endpoint", d.EndpointID,
		"attempt", d.Attempts, "max_attempts", d.MaxAttempts, "status", res.StatusCode, "dead", dead, "err", res.Err)
	if dead {
		return river.JobCancel(res.Err)
	}
	return res.Err
}

// Replay sends delivery id again: a new attempt (a new round of them if
// it fails), with the same event id and body, so the receiver can tell it
// has seen the event. Only a SUCCEEDED or DEAD delivery can be replayed;
// one still being tried is a CONFLICT (it must not get a second job).
func (s *Service) Replay(ctx context.Context, id int) (*ent.WebhookDelivery, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		d, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.Status != webhookdelivery.StatusSUCCEEDED && d.Status != webhookdelivery.StatusDEAD {
			return errs.Errorf(errs.Conflict, "only a SUCCEEDED or DEAD delivery can be replayed; this one is %s", d.Status)
		}
		if err := tx.WebhookDelivery.UpdateOne(d).SetStatus(webhookdelivery.StatusPENDING).
			SetMaxAttempts(d.Attempts + s.cfg.MaxAttempts).SetUpdatedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		_, err = s.jobs.Enqueue(ctx, tx, DeliverArgs{DeliveryID: id}, s.deliverOpts())
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.db.WebhookDelivery.Get(auth.WithSystem(ctx), id)
}

// lock reads delivery id in tx, locked for update on Postgres. A missing
// delivery is NOT_FOUND.
func (s *Service) lock(ctx context.Context, tx *ent.Tx, id int) (*ent.WebhookDelivery, error) {
	q := tx.WebhookDelivery.Query().Where(webhookdelivery.ID(id))
	if s.db.LockForUpdate() {
		q.ForUpdate()
	}
	d, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "no webhook delivery %d", id)
	}
	return d, err
}

// truncate cuts s to at most n bytes of valid UTF-8 (Postgres refuses
// a rune cut in half).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
