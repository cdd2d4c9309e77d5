package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/jobs"
	"github.com/aftercart/aftercart/server/pubsub"
)

// Defaults of Config's zero fields.
const (
	// DefaultMaxAttempts is how many delivery attempts a message gets
	// before it is DEAD: with the job system's attempt⁴-second backoff,
	// eight attempts span about 1.7 hours, long enough to ride out an SMTP
	// server's restart or a provider's short outage, short enough that
	// staff hear of a real failure the same day.
	DefaultMaxAttempts = 8
	// DefaultSMTPTimeout bounds the SMTP connection and each command: a
	// server that hangs fails the attempt instead of holding a worker.
	DefaultSMTPTimeout = 30 * time.Second
	// DefaultDeliveryDays is the expected delivery, in days after the
	// order, that a confirmation states before a carrier gives an estimate.
	DefaultDeliveryDays = 5
	// DefaultDeliveryMethod is the delivery method a confirmation names
	// before the order ships.
	DefaultDeliveryMethod = "Standard delivery"
)

// Config configures the Service.
type Config struct {
	// SMTPURL is the SMTP server mail goes to: smtp://[user:pass@]host[:port]
	// (port 587 by default; STARTTLS when the server offers it) or
	// smtps://... (implicit TLS, port 465). Empty, or Dev, keeps mail in
	// the outbox.
	SMTPURL string
	// From is the sender address of every email, e.g.
	// "Shop <orders@shop.example.com>"; its domain also ends each
	// Message-ID.
	From string
	// SMTPTimeout bounds the connection and each SMTP command; zero means
	// DefaultSMTPTimeout.
	SMTPTimeout time.Duration
	// Workers is how many messages this server sends at once: the
	// workers of the job system's "notify" queue, and the most SMTP
	// sessions kept open between messages; zero means DefaultWorkers.
	Workers int
	// Webhook is the WEBHOOK channel's provider (webhook.go).
	Webhook WebhookConfig
	// Dev keeps every message on the machine (see the package doc).
	Dev bool
	// MaxAttempts is a message's attempts before it is DEAD; zero means
	// DefaultMaxAttempts.
	MaxAttempts int
	// StoreName, OrderURL ("https://shop.example.com/orders/{number}"),
	// ReturnAddress, DeliveryMethod and DeliveryDays fill the
	// confirmation (see OrderConfirmation).
	StoreName, OrderURL, ReturnAddress, DeliveryMethod string
	// DeliveryDays: zero means DefaultDeliveryDays.
	DeliveryDays int
	// ReviewPoints is what a verified review earns in the loyalty program,
	// mentioned in review requests; zero leaves the line out.
	ReviewPoints int64
	// Clock dates attempts and sends; nil is the real clock.
	Clock clockwork.Clock
	// Log gets one line per failed attempt; nil discards.
	Log *slog.Logger
	// Broker announces delivered in-app notifications to the
	// notificationAdded feed (after commit); nil announces nothing.
	Broker pubsub.Broker
	// Rules are consent, quiet hours, the weekly cap, the journey gap and
	// the signed links of emails (gate_rules.go).
	Rules Rules
}

// Service is the outbox. It is safe for concurrent use.
type Service struct {
	db     *db.DB
	jobs   *jobs.System
	cfg    Config
	log    *slog.Logger
	mailer mailer // nil: the outbox transport (dev mode, no SMTP URL)
	// webhook is the WEBHOOK channel; nil keeps its messages in the outbox.
	webhook *webhookSender
	// orderURL is Config.OrderURL, or the default SetOrderURL gave once
	// the server knew its address.
	orderURL atomic.Pointer[string]
	// rules are Config.Rules checked; publicURL is Rules.PublicURL, or
	// what SetPublicURL gave (the links of emails).
	rules     rules
	publicURL atomic.Pointer[string]
	// program answers the loyalty messages' questions when they are due
	// (UseLoyalty, journey_lifecycle.go); nil: lapse warnings are skipped.
	program LoyaltyProgram
}

// SetOrderURL sets the order page link (with "{number}") used when
// Config.OrderURL is empty: the server calls it once it listens.
func (s *Service) SetOrderURL(u string) { s.orderURL.Store(&u) }

// NewService returns the outbox over d, sending through j: it registers
// its worker with j (before j starts) and its journeys' hooks on d's
// client (see Register).
func NewService(d *db.DB, j *jobs.System, cfg Config) (*Service, error) {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.SMTPTimeout <= 0 {
		cfg.SMTPTimeout = DefaultSMTPTimeout
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.DeliveryDays <= 0 {
		cfg.DeliveryDays = DefaultDeliveryDays
	}
	if cfg.DeliveryMethod == "" {
		cfg.DeliveryMethod = DefaultDeliveryMethod
	}
	if cfg.StoreName == "" {
		cfg.StoreName = "The store"
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	var err error
	s := &Service{db: d, jobs: j, cfg: cfg, log: cfg.Log}
	s.orderURL.Store(&cfg.OrderURL)
	if s.rules, err = newRules(cfg.Rules); err != nil {
		return nil, err
	}
	s.publicURL.Store(&cfg.Rules.PublicURL)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.SMTPURL != "" && !cfg.Dev {
		m, err := newSMTPMailer(cfg)
		if err != nil {
			return nil, err
		}
		m.unsubscribe = func(m *ent.Message) string { return s.unsubscribeURL(*m.CustomerID, m.Channel, m.ID) }
		s.mailer = m
	}
	if s.webhook, err = newWebhookSender(cfg); err != nil {
		return nil, err
	}
	j.AddQueue(Queue, cfg.Workers)
	jobs.AddWorker(j, &sendWorker{s: s})
	j.AddSweeper("notify.due", s.sweepDue)
	j.AddSweeper("notify.stalled", s.sweepStalled)
	j.AddSweeper("notify.campaigns", s.sweepCampaigns)
	j.AddSweeper("notify.winback", s.sweepWinBack) // journey_lifecycle_winback.go
	s.Register(d.Client)
	return s, nil
}

// Transport names what takes email now: "smtp", or "outbox" when nothing
// leaves the machine.
func (s *Service) Transport() string {
	if s.mailer == nil {
		return transportOutbox
	}
	return transportSMTP
}

// Transports recorded on sent messages.
const (
	transportSMTP    = "smtp"
	transportOutbox  = "outbox"
	transportWebhook = "webhook"
)

// now is the clock's time without its monotonic reading (SQLite stores a
// time as its String()).
func (s *Service) now() time.Time { return s.cfg.Clock.Now().Round(0) }

// Msg is a message to queue.
type Msg struct {
	// Kind, Channel and DedupeKey are required. DedupeKey names the cause
	// ("order:42:confirmation:EMAIL"); see the package doc.
	Kind      message.Kind
	Channel   message.Channel
	DedupeKey string
	// Recipient is the address (EMAIL) or endpoint (WEBHOOK).
	Recipient string
	// CustomerID and OrderID link the message, when set.
	CustomerID, OrderID *int
	// Journey or CampaignID says what queued it.
	Journey    string
	CampaignID *int
	// Marketing marks a message that needs consent and counts toward the
	// weekly cap; the zero value is transactional.
	Marketing bool
	// Skip, when set, records the message as SKIPPED with this reason and
	// sends nothing (the staff list shows why a customer got nothing).
	Skip string
	// DueAt, when after now, makes the message wait until then (a
	// journey's delay): the due sweep enqueues it when its time comes,
	// and its kind's check decides then whether it is still wanted.
	DueAt time.Time
}

// Queue writes msg in tx (the transaction db.WithTx passed with ctx) and
// enqueues its dispatch in the same transaction: nothing exists unless tx
// commits. A message whose dedupe key exists already queues nothing and
// is not an error: queued is false and id is the existing message's.
func (s *Service) Queue(ctx context.Context, tx *ent.Tx, msg Msg) (id int, queued bool, err error) {
	if msg.Kind == "" || msg.Channel == "" || msg.DedupeKey == "" {
		return 0, false, errors.New("notify: Queue needs a kind, a channel and a dedupe key")
	}
	ctx = auth.WithSystem(ctx)
	create := tx.Message.Create().SetKind(msg.Kind).SetChannel(msg.Channel).SetDedupeKey(msg.DedupeKey).
		SetRecipient(msg.Recipient).SetNillableCustomerID(msg.CustomerID).SetNillableOrderID(msg.OrderID).
		SetNillableCampaignID(msg.CampaignID).SetTransactional(!msg.Marketing).SetMaxAttempts(s.cfg.MaxAttempts).
		SetCreatedAt(s.now()).SetUpdatedAt(s.now())
	if msg.Journey != "" {
		create.SetJourney(msg.Journey)
	}
	waits := msg.DueAt.After(s.now())
	switch {
	case msg.Skip != "":
		create.SetStatus(message.StatusSKIPPED).SetSkipReason(msg.Skip)
	case waits:
		create.SetDueAt(msg.DueAt)
	}
	id, err = create.OnConflictColumns(message.FieldDedupeKey).DoNothing().ID(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		// The key is taken: the trigger was replayed.
		existing, err := tx.Message.Query().Where(message.DedupeKey(msg.DedupeKey)).OnlyID(ctx)
		return existing, false, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("notify: queueing %s: %w", msg.DedupeKey, err)
	}
	if msg.Skip != "" || waits {
		return id, true, nil
	}
	if _, err := s.jobs.Enqueue(ctx, tx, SendArgs{MessageID: id}, s.sendOpts()); err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// Retry gives a DEAD message another full round of attempts: QUEUED again,
// with a new dispatch job, in one transaction. Anything but DEAD is a
// CONFLICT: a message still being tried must not get a second job.
func (s *Service) Retry(ctx context.Context, id int) (*ent.Message, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		m, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.Status != message.StatusDEAD {
			return errs.Errorf(errs.Conflict, "only a DEAD message can be retried; this one is %s", m.Status)
		}
		if err := tx.Message.UpdateOne(m).SetStatus(message.StatusQUEUED).
			SetMaxAttempts(m.Attempts + s.cfg.MaxAttempts).SetUpdatedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		_, err = s.jobs.Enqueue(ctx, tx, SendArgs{MessageID: id}, s.sendOpts())
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.db.Message.Get(ctx, id)
}

// lock reads message id in tx, locked for update on Postgres (SQLite's
// immediate transactions are serial already). A missing message is
// NOT_FOUND.
func (s *Service) lock(ctx context.Context, tx *ent.Tx, id int) (*ent.Message, error) {
	q := tx.Message.Query().Where(message.ID(id))
	if s.db.LockForUpdate() {
		q.ForUpdate()
	}
	m, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "no message %d", id)
	}
	return m, err
}

// Register hooks the journeys into c where what triggers them is
// written, so every path is covered without each calling notify:
//
//   - an order's creation (orders.Import is its one writer) queues its
//     ORDER_CONFIRMATION on the journey's channels, in the import's
//     transaction, and converts the customer's last clicked message
//     (engage_convert.go);
//   - a shipment's creation and every change of its status or estimate
//     (server/tracking) queue the shipping updates (registerShipping);
//   - an order's delivery queues its review request and reminder
//     (registerReview).
//
// An order created outside a transaction (a test's fixture through the
// bare client) gets no confirmation: the outbox writes only in the
// transaction of its cause, and there is none to write in.
func (s *Service) Register(c *ent.Client) {
	s.registerConversions(c) // engage_convert.go
	onOrder(c, ent.OpCreate, func(ctx context.Context, tx *ent.Tx, _ *ent.OrderMutation, o *ent.Order) error {
		return s.orderCreated(ctx, tx, o)
	})
	s.registerShipping(c)
	s.registerReview(c)
	s.registerAfterPurchase(c) // journey_replenish.go, journey_content.go
}

// orderCreated queues order o's confirmation, on the confirmation
// journey's channels (by default EMAIL and IN_APP: the same news in the
// customer's notifications, inapp.go).
func (s *Service) orderCreated(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	ctx = auth.WithSystem(ctx)
	cu, err := tx.Customer.Get(ctx, o.CustomerID)
	if err != nil {
		return err
	}
	set, err := s.journeySettings(ctx, tx.Client(), JourneyOrderConfirmation)
	if err != nil {
		return err
	}
	msg := Msg{Kind: message.KindORDER_CONFIRMATION, Channel: message.ChannelEMAIL,
		DedupeKey: fmt.Sprintf("order:%d:confirmation:EMAIL", o.ID), Recipient: cu.Email,
		CustomerID: &cu.ID, OrderID: &o.ID, Journey: JourneyOrderConfirmation}
	if o.CanceledAt != nil {
		msg.Skip = "the order was canceled when it was imported"
	}
	return s.queueJourney(ctx, tx, set, msg)
}

// queueChannels queues msg (a journey's message as it is sent by email)
// once on each of chs, msg's own channel when chs is empty: the same
// kind, cause, links and due time, each its own message (its own
// status, attempts and dedupe key, see onChannel), so one channel's
// failure or skip never holds another's.
func (s *Service) queueChannels(ctx context.Context, tx *ent.Tx, msg Msg, chs []message.Channel) error {
	if len(chs) == 0 {
		chs = []message.Channel{msg.Channel}
	}
	for _, ch := range chs {
		if _, _, err := s.Queue(ctx, tx, onChannel(msg, ch)); err != nil {
			return err
		}
	}
	return nil
}

// onChannel is msg on channel ch: its dedupe key with the channel swapped
// in its last part ("order:42:confirmation:EMAIL" becomes
// "...:IN_APP"; a key not ending in its channel gets ch appended), and
// the recipient kept only on EMAIL (an address; an in-app notification
// has none, and the WEBHOOK provider knows the customer by the
// payload's customer reference).
func onChannel(msg Msg, ch message.Channel) Msg {
	if ch == msg.Channel {
		return msg
	}
	msg.DedupeKey = strings.TrimSuffix(msg.DedupeKey, ":"+string(msg.Channel)) + ":" + string(ch)
	msg.Channel = ch
	if ch != message.ChannelEMAIL {
		msg.Recipient = ""
	}
	return msg
}

// MessageID is the RFC 5322 Message-ID (without angle brackets) of every
// attempt of the message with dedupeKey, from a sender at domain: the
// same on every attempt, so a receiver that drops duplicates by
// Message-ID shows a message sent twice (a crash between send and
// record) once. The key is hashed because it may hold characters a
// Message-ID may not.
func MessageID(dedupeKey, domain string) string {
	return hashKey(dedupeKey) + "@" + domain
}

// fromDomain is the domain of a From address, for Message-IDs.
func fromDomain(from string) string {
	if i := strings.LastIndex(from, "@"); i >= 0 {
		return strings.Trim(from[i+1:], "> ")
	}
	return "aftercart.invalid"
}

// parseSMTPURL checks an -smtp-url; errors never repeat the URL (it may
// hold a password).
func parseSMTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a URL; want smtp://user:password@host:587 or smtps://host:465")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("has scheme %q; want smtp:// or smtps://", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("has no host")
	}
	return u, nil
}

// CheckSMTPURL reports what is wrong with an -smtp-url value, or "" when
// nothing is (for the server's configuration check).
func CheckSMTPURL(raw string) string {
	if _, err := parseSMTPURL(raw); err != nil {
		return err.Error()
	}
	return ""
}
