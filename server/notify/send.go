package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messagetemplate"
)

// SendArgs is the dispatch job of one message.
type SendArgs struct {
	// MessageID is the message's row id (never its content: jobs are
	// logged by kind and id only).
	MessageID int `json:"message_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "notify.send" }

// Queue is the job system's queue of dispatch jobs: sends get workers of
// their own (Config.Workers), so a campaign of 10,000 emails neither
// waits behind other jobs nor starves them (loyalty, webhooks, sweeps).
const Queue = "notify"

// DefaultWorkers is Config.Workers' default: sends mostly wait on SMTP
// round trips and the database's write lock, not on a CPU, so a few per
// core; past about twenty, SQLite's one writer is what every extra worker
// waits on (BENCHMARKS.md).
var DefaultWorkers = min(max(8*runtime.NumCPU(), 16), 64)

// sendOpts are a dispatch job's options: its queue, and River tries it as
// often as the message may be tried, so both give up together.
func (s *Service) sendOpts() *river.InsertOpts {
	return &river.InsertOpts{Queue: Queue, MaxAttempts: s.cfg.MaxAttempts}
}

// sendWorker runs dispatch jobs.
type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

// Work implements river.Worker: steps 1-4 of the package doc.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	return w.s.dispatch(ctx, job.Args.MessageID)
}

// hashKey is a dedupe key's hex SHA-256 prefix, for Message-IDs.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// dispatch sends message id once more, if it is still to be sent.
func (s *Service) dispatch(ctx context.Context, id int) error {
	// 1-2: check, render once, count the attempt; commit before anything
	// leaves, so an attempt is never unrecorded.
	var m *ent.Message
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		switch cur.Status {
		case message.StatusSENT, message.StatusSKIPPED, message.StatusDEAD:
			return nil // done already: a duplicate or late job
		}
		if cur.DueAt != nil {
			return nil // waiting: the due sweep enqueues it when its time comes
		}
		if cur.Attempts == 0 {
			// Before the first attempt: is it still wanted, and now?
			v, err := s.decide(ctx, tx, cur)
			if err != nil {
				return err
			}
			if v.skip != "" {
				return tx.Message.UpdateOne(cur).SetStatus(message.StatusSKIPPED).
					SetSkipReason(truncate(v.skip, 500)).SetUpdatedAt(s.now()).Exec(ctx)
			}
			if v.wait.After(s.now()) {
				return tx.Message.UpdateOne(cur).SetDueAt(v.wait).SetUpdatedAt(s.now()).Exec(ctx)
			}
		}
		up := tx.Message.UpdateOne(cur).AddAttempts(1).SetLastAttemptAt(s.now()).SetUpdatedAt(s.now())
		if cur.Subject == nil {
			r, rerr := s.render(ctx, tx.Client(), cur)
			if rerr != nil {
				// Counted and recorded as a failed attempt below.
				up.SetLastError(rerr.Error())
			} else {
				r = s.engage(cur, r) // tracked links and open pixel, stored with the rest
				up.SetSubject(r.Subject).SetBodyHTML(r.HTML).SetBodyText(r.Text)
			}
		}
		m, err = up.Save(ctx)
		return err
	})
	if err != nil || m == nil {
		return err
	}
	// 3: hand it over.
	var transport string
	var sendErr error
	if m.Subject == nil {
		sendErr = fmt.Errorf("rendering: %s", deref(m.LastError))
	} else {
		transport, sendErr = s.deliver(ctx, m)
	}
	// 4: record the outcome.
	return s.record(ctx, m, transport, sendErr)
}

// deliver hands m to its channel and names the transport that took it.
func (s *Service) deliver(ctx context.Context, m *ent.Message) (string, error) {
	switch m.Channel {
	case message.ChannelEMAIL:
		if s.mailer == nil {
			return transportOutbox, nil
		}
		return transportSMTP, s.mailer.send(ctx, m)
	case message.ChannelWEBHOOK:
		if s.webhook == nil {
			return transportOutbox, nil
		}
		return transportWebhook, s.sendWebhook(ctx, m)
	case message.ChannelIN_APP:
		return transportInApp, s.deliverInApp(ctx, m)
	default:
		return "", fmt.Errorf("the %s channel is not built yet", m.Channel)
	}
}

// record writes the outcome of m's attempt. A failure is FAILED and
// returned, so River retries it after the backoff; on the message's last
// attempt, or a final one (a webhook provider's 4xx), it is DEAD and the
// job is cancelled (nothing more to try).
func (s *Service) record(ctx context.Context, m *ent.Message, transport string, sendErr error) error {
	dead := sendErr != nil && (m.Attempts >= m.MaxAttempts || isFinal(sendErr))
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		up := tx.Message.UpdateOneID(m.ID).SetUpdatedAt(s.now())
		if sendErr == nil {
			return up.SetStatus(message.StatusSENT).SetSentAt(s.now()).SetTransport(transport).ClearLastError().Exec(ctx)
		}
		status := message.StatusFAILED
		if dead {
			status = message.StatusDEAD
		}
		return up.SetStatus(status).SetLastError(truncate(sendErr.Error(), 2000)).Exec(ctx)
	})
	if err != nil {
		// Not recorded: the job fails and runs again, and the message,
		// still QUEUED or FAILED, is sent again (at least once).
		return err
	}
	if sendErr == nil {
		return nil
	}
	s.log.Warn("message attempt failed", "message", m.ID, "kind", m.Kind, "channel", m.Channel,
		"attempt", m.Attempts, "max_attempts", m.MaxAttempts, "dead", dead, "err", sendErr)
	if dead {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

// render renders m with its kind's template (staff's, else the default)
// and variables.
func (s *Service) render(ctx context.Context, c *ent.Client, m *ent.Message) (Rendered, error) {
	t, err := s.template(ctx, c, m.Kind, m.Channel)
	if err != nil {
		return Rendered{}, err
	}
	vars, err := s.vars(ctx, c, m)
	if err != nil {
		return Rendered{}, err
	}
	ct, err := parse(t)
	if err != nil {
		return Rendered{}, err
	}
	return ct.execute(s.withMarketing(m, vars))
}

// template is the template of kind on channel: staff's saved one, else
// the default.
func (s *Service) template(ctx context.Context, c *ent.Client, kind message.Kind, channel message.Channel) (Template, error) {
	row, err := c.MessageTemplate.Query().Where(messagetemplate.KindEQ(messagetemplate.Kind(kind)),
		messagetemplate.ChannelEQ(messagetemplate.Channel(channel))).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return DefaultTemplate(kind, channel)
	case err != nil:
		return Template{}, err
	}
	return Template{Subject: row.Subject, HTML: row.HTML, Text: row.Text}, nil
}

// vars reads m's variables.
func (s *Service) vars(ctx context.Context, c *ent.Client, m *ent.Message) (any, error) {
	spec, ok := kinds[m.Kind]
	if !ok {
		return nil, fmt.Errorf("%s messages are not built yet", m.Kind)
	}
	return spec.vars(ctx, s, c, m)
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// deref is *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
