// Package notify is aftercart's outbox: every message to a customer
// (email, in-app notification, webhook to an SMS or push provider) is a
// row written in the transaction of what caused it, and leaves through a
// job of the job system (server/jobs). Journeys (order confirmation,
// shipping updates, review requests, loyalty's messages, win-back) and
// campaigns only ever call Queue; channels only ever see a message that
// committed.
//
// # The data model (issue 13 in full; built so far: Message, MessageTemplate, Campaign,
// Notification, JourneySetting, Consent, MessageEvent; outbound webhooks in server/hooks)
//
//   - Message (ent/schema/message.go): kind (the journey step:
//     ORDER_CONFIRMATION, SHIPPED, ... CAMPAIGN), channel (EMAIL, IN_APP,
//     WEBHOOK), status (QUEUED, SENT, SKIPPED with skip_reason, FAILED
//     while retrying, DEAD after the last attempt), dedupe_key UNIQUE,
//     attempts / max_attempts / last_attempt_at / last_error, customer,
//     order, journey or campaign_id, transactional (exempt from marketing
//     consent and the weekly cap), recipient, the rendered subject / HTML
//     / text (kept, so a retry sends the same bytes and staff see what the
//     customer got), sent_at and the transport that took it.
//   - MessageTemplate: staff's subject, HTML and text for a (kind,
//     channel), unique; the package ships a default per kind it sends
//     (templates/), used when there is no row.
//   - Next, each one table beside these, none changing Message:
//     Consent (customer, channel, marketing yes/no, changed_at, source:
//     the signed one-click unsubscribe of RFC 8058 writes it); Notification
//     (the IN_APP channel's delivery: customer, kind, title, body,
//     read_at, and a per-customer change log for the notificationAdded
//     feed on server/live, like the community feeds); Campaign (segment,
//     schedule, status; its messages carry campaign_id); JourneySetting
//     (on/off, delays, the gap between two messages of a journey);
//     WebhookEndpoint, WebhookDelivery and WebhookAttempt (outbound store
//     webhooks, built in server/hooks: endpoint, secret, events; each
//     delivery a row with its attempts and responses, replayable); MessageEvent (opens, clicks, conversions per
//     message, for engagement). Quiet hours, the weekly cap and consent are
//     rules checked by the dispatcher before it sends: a message they stop
//     is SKIPPED with why (consent) or waits (quiet hours: a later due
//     time, swept like every time-based rule of server/jobs).
//
// # Queue: the transactional outbox
//
// Service.Queue(ctx, tx, msg) inserts the message in the caller's ent
// transaction (db.WithTx) with ON CONFLICT (dedupe_key) DO NOTHING, and
// only when the row is new enqueues its dispatch job (jobs.Enqueue) in the
// same transaction. So a rolled-back change leaves neither message nor
// job; a committed one always has both; and a replayed trigger (the same
// order imported twice, by two instances at once) finds the key taken and
// queues nothing, without failing the caller's transaction.
//
// The dedupe key names the cause, not the message: "order:42:confirmation:
// EMAIL". A journey step that may legitimately happen again (a second
// delay notice for a new ETA) puts what differs in its key.
//
// # Dispatch, and what is guaranteed
//
// The job's worker (kind "notify.send", one per message) runs on any
// server; River locks the job, so one server works a message at a time.
// It:
//
//  1. reads the message; SENT, SKIPPED or DEAD means done already (a
//     duplicate job, or a retry of a finished message): nothing happens;
//  2. renders it on the first attempt and stores subject and bodies;
//     counts the attempt (attempts, last_attempt_at) and commits, before
//     anything leaves;
//  3. hands it to the channel (SMTP: the server's 250 after DATA);
//  4. records SENT, sent_at and the transport; or, on a failure, FAILED
//     with last_error and returns the error so River retries it with the
//     job system's backoff (on the server's clock), or DEAD with the last
//     error when that was the last attempt.
//
// A crash between 3 and 4 (the process killed after the SMTP server said
// 250 and before the SENT commit) leaves the message FAILED or QUEUED with
// its attempt counted; River puts the job back (on shutdown at once, after
// a hard crash through its rescuer) and the message is sent again. No
// outbox can do better against an SMTP server, which has no idempotent
// submit: the guarantee is at-least-once delivery to SMTP, never lost,
// and at most one send per attempt. Every attempt of a message carries the
// same Message-ID (derived from the dedupe key, see MessageID), so a
// receiving server or client that drops duplicates by Message-ID (most
// do) shows it once. What can never happen is a second message for the
// same cause: that is the dedupe key's UNIQUE index.
//
// Several servers on one Postgres drain one outbox together: each job is
// taken by one of them (SKIP LOCKED), and a message has one job at a
// time (one when queued; a new one only when staff retry a DEAD message,
// whose job has ended), so no two servers attempt one message at once.
// Step 1 reads the message under a row lock all the same, so a job that
// runs late (rescued after a crash) sees what the others recorded.
//
// Staff retry a DEAD message (Service.Retry): it becomes QUEUED again;
// attempts keep counting (the history stays), max_attempts grows by a
// full round, and a new job is enqueued in the same transaction. Only DEAD messages can be retried, so a retry
// never races a message that is still being tried.
//
// # Kinds, checks and gates
//
// Each kind registers itself from its journey's file (registerKind in an
// init function): its variables, a sample of them for template
// validation, and optionally a check, run before the first attempt in the
// dispatcher's transaction, that skips a message no longer wanted (the
// review was written already; the order has an open exception). Then the
// gates (addGate: consent, quiet hours, the weekly cap, the gap between
// two messages of a journey) decide in order: send, skip with a reason
// (SKIPPED, the reason kept for staff), or wait until a later time. So
// adding a journey or a rule never edits the dispatcher.
//
// # Never pestering (gate_*.go, consent.go, unsubscribe.go)
//
// Four gates, in this order (skips before waits): consent (a marketing
// message without the customer's consent on its channel is SKIPPED;
// opt-in unless Rules.OptOut), the weekly cap (Rules.WeeklyCap marketing
// messages in any 7 days, then SKIPPED), quiet hours (Rules.QuietHours in
// the customer's time zone: a kind that can wait waits until they end)
// and the journey gap (the longer of Rules.JourneyGap and the journey's
// own MinGapMinutes since the journey's last message to the customer was
// attempted; its twins on other channels do not count). Transactional messages pass consent and the cap, and
// an EXEMPT event on the message says which rule they passed; the urgent
// kinds (confirmation, shipping updates, delay notices) pass quiet hours
// and the gap. The cap and the gap lock the customer's row (Postgres), so
// two dispatchers decide one customer's messages one at a time. Every
// marketing email carries RFC 8058's List-Unsubscribe headers and, through
// the Marketing variables every marketing kind embeds, a visible link:
// a signed token (engage_sign.go) naming customer, channel, scope and the
// message; an unsubscribe that withdraws consent records an UNSUBSCRIBED
// event on that message. Staff record what a customer told them
// (SetCustomerConsent: source STAFF, who and when).
//
// # Engagement (engage*.go)
//
// On its first rendering an HTML email gets a signed open pixel and, if
// it is marketing, its links become signed redirects (stored with the body, so retries send
// the same bytes); the server records OPENED and CLICKED MessageEvents,
// and an order's creation records CONVERTED on the customer's last
// message clicked within Rules.ConversionWindow before the order was
// placed. EngagementStats counts messages per journey and campaign
// (unsubscribes too).
//
// # Waiting: due times
//
// A message can wait: Queue with DueAt (a review request N days after
// delivery), or a gate's wait (quiet hours). A waiting message is QUEUED
// with due_at set and has no dispatch job; the "notify.due" sweeper of
// the job system enqueues the job of each message whose due_at has
// passed and clears due_at in the same transaction (only where it was
// still set, so two sweeps enqueue one job). Its kind's check and the
// gates run when it is dispatched, so what happened in between (a review
// written, a return opened) is seen.
//
// # In-app notifications
//
// An IN_APP message is delivered (inapp.go) by writing a Notification
// (title: the rendered subject; body: the rendered text; a link to its
// order) and a NotificationChange for the notificationAdded feed in one
// transaction, under the customer's live.LockTopic so the feed's
// positions follow commit order, announced on commit (Config.Broker).
// The notification's message_id is unique: a dispatch that runs again
// after the notification committed (a crash before SENT was recorded, a
// staff retry) writes nothing, so an in-app message is delivered exactly
// once. IN_APP templates have no HTML part; the confirmation, the
// shipping updates and the review request and reminder ship their own
// short ones (and WEBHOOK ones), so staff can turn those channels on
// without writing a template; a kind with no shipped IN_APP files uses
// its EMAIL subject and text (inAppDefault). Customers read
// their own (Notifications, MarkRead; ent's privacy rule hides everyone
// else's) and follow them live (NotificationFeed).
//
// # Email
//
// Mail goes through github.com/wneessen/go-mail (v0.8.1, see STACK.md) to
// the SMTP server of Config.SMTP (-smtp-url), from Config.From, as a
// multipart/alternative of a plain-text and an HTML part, with the
// Message-ID above and the kind in an X-Aftercart-Kind header. A server
// that refuses (4xx/5xx) or hangs (Config.SMTPTimeout, on the dial and
// every command) fails the attempt; the next waits for the job system's
// backoff.
//
// Sessions are kept open between emails (a pool of at most
// Config.Workers, -notify-workers): dialing, EHLO, STARTTLS and AUTH per
// message cost more round trips than the message. go-mail sends RSET
// after each message; a session is closed after 100 messages or 30 s
// idle, and one found dead (go-mail's NOOP before MAIL) is redialed, which
// is safe because nothing was sent on it. Dispatch jobs run in the job
// system's "notify" queue with those workers, apart from other jobs.
//
// In development mode (-dev), or without -smtp-url, nothing leaves the
// machine: the worker renders and records the message as sent with
// transport "outbox", and the admin SPA shows the outbox (the messages
// query and each message's preview), so a newcomer sees the
// confirmation of a demo order at once. A production server without
// -smtp-url says so in a WARN line at start.
//
// # The WEBHOOK channel
//
// A WEBHOOK message (an SMS or push sent through a provider) is POSTed as
// JSON (WebhookPayload: kind, recipient, the customer with the store's
// reference, the order number, the rendered title and text) to
// Config.Webhook.URL, signed with its secret like the outbound store
// webhooks (server/hooks), with an X-Aftercart-Event-Id derived from the
// dedupe key and the same on every attempt. A 2xx is SENT (transport
// "webhook"); a timeout (Config.Webhook.Timeout), a refused connection, a
// 5xx, 408 or 429 fails the attempt and is retried as email is; any other
// 4xx is final: DEAD at once, the status in last_error. Its title and
// text are the kind's WEBHOOK template (templates/<kind>.webhook.*, or
// staff's), else its email subject and text. Without a URL, or in
// development mode, WEBHOOK messages stay in the outbox.
//
// # Templates
//
// Subject and text parts are text/template, the HTML part html/template
// (contextual escaping: a product named <script> is shown, never run).
// Each kind has a variables type (OrderConfirmation for
// ORDER_CONFIRMATION) and a sample value of it; a template is parsed and
// executed against the sample, with missingkey=error, before it is saved,
// so a syntax error or an unknown variable is refused at save
// (INVALID_INPUT naming the part and the template's own error), never
// found when 10,000 messages go out.
//
// Every date a message shows (placed on, expected delivery, delivered
// on, a lapse's deadline...) is the day where its customer lives
// (dates.go: Customer.time_zone, else Rules.TimeZone, the zone quiet
// hours use), never the zone the database driver returned the time in.
//
// # Journeys
//
// Order confirmation: an ent hook on Order creation (Register; orders'
// import is the one writer of new orders) queues ORDER_CONFIRMATION on
// the journey's channels (by default email and in-app) in the import's transaction, so a failed import sends nothing and
// an import replayed by the store platform sends nothing new. Its
// variables are read when the message is first rendered: the customer's
// first name, the order number, each item with image, quantity and price,
// the totals, the expected delivery (the shipment's estimate if one
// exists, else Config.DeliveryDays after the order) and method, a
// tracking button (Config.OrderURL), and the return policy with
// Config.ReturnAddress.
//
// The confirmation has five variants (confirmation_variant.go), one per
// message, chosen by a pure rule (chooseVariant) from the customer's
// history when the message is first dispatched, in the transaction that
// renders it, and recorded on the message (Message.variant), so staff see
// which one went out and a retry renders the same. The first that
// applies wins: REASSURANCE (the customer contacted support within
// ReassuranceWindow, 30 days — server/support's SupportContact rows — or
// their previous order's parcel was late: a delay notice was sent, an
// exception, or delivered on a day after its first estimate), WELCOME
// (no earlier order), ENTICING (the journey's couponCode setting, or the
// customer's referral code from the loyalty program), SIMILAR (the bought
// products' complements, else the 90-day bestsellers of their categories,
// at most three, never what was bought), PLAIN. Every variant keeps the
// required contents; the shipped templates add one block per variant
// ({{if eq .Variant "WELCOME"}}), and a template is validated against the
// sample once per variant, so each block runs before it is saved.
//
// Shipping updates (journey_shipping.go): an ent hook on Shipment
// creation and update (server/tracking's CreateShipment and RecordEvents,
// from the GraphQL mutations and the signed webhook alike) queues, in
// tracking's transaction, what the change calls for (shippingSteps, a
// pure rule): SHIPPED when the parcel is handed over (with the carrier's
// tracking link), OUT_FOR_DELIVERY and DELIVERED when it becomes so, and
// DELAY_NOTICE when it becomes an exception or its estimate moves later
// and lies more than the journey's threshold past the first estimate.
// Keys name the shipment and the step ("shipment:7:delivered:EMAIL"; a
// slip names its new date), so a replayed webhook queues nothing. The
// "notify.stalled" sweeper queues a DELAY_NOTICE for a parcel in transit
// without a checkpoint for the stall threshold, keyed by the checkpoint
// it stalled after.
//
// Review requests (journey_review.go): the order update that records its
// delivery (orders.Refresh sets delivered_at once the last item is
// delivered) queues REVIEW_REQUEST with DueAt the delivery plus the delay
// (the longest of its items' category delays), and REVIEW_REMINDER the
// reminder delay after that. Their check, when due, skips a canceled
// order, one with a return or an open exception, a customer who reviewed
// every item, and (the reminder) a request not sent or answered.
//
// Replenishment and after-purchase content (journey_replenish.go,
// journey_content.go): the same delivery update queues, per order line
// whose product has a reorder interval, a REPLENISHMENT due at delivery +
// interval × quantity − the journey's delayDays (the lead time), keyed by
// the line ("orderitem:7:replenishment:EMAIL", which is how its vars and
// check find the line again), and one CONTENT per order delayDays after
// delivery when any product has content (its own, else its category's:
// server/catalog). When due, a reminder is skipped if the customer ordered
// the product again since, the order was canceled or the line returned;
// the content if the order was canceled, every line returned or the
// content removed. Both are marketing (consent, the cap, quiet hours).
//
// Journey settings (settings.go, the JourneySetting table): one row per
// journey, the defaults in code where there is none. A journey turned off
// queues its messages SKIPPED ("journey turned off"), and the "journey"
// gate skips a message whose journey was turned off while it waited.
// journeySettings(ctx, c, name) is how a gate reads a journey's settings
// (MinGap for the gap between two messages of a journey). A journey's
// Channels say where its messages go: queueJourney queues one message
// per channel, the dedupe key's last part naming the channel
// (channels.go: WEBHOOK needs Config.Webhook.URL, and each of the
// journey's kinds a template of its own on each channel, checked at save).
//
// Loyalty's messages (journey_loyalty.go, journey_lifecycle.go): the
// program tells the outbox through interfaces set at assembly
// (loyalty.ReferralNotifier, loyalty.Notifier), in the transaction of the
// cause, so the program never imports the outbox: REFERRAL_THANKS when a
// referral completes (the referral_thanks journey); LOYALTY when pending points are released
// (loyalty_points, transactional), when the customer moves up a tier
// (loyalty_tier, transactional) and delayDays before their tier would
// lapse (loyalty_lapse, marketing; checked against the program when due,
// UseLoyalty). journey_lifecycle.go says why each is transactional or
// marketing.
//
// Win-back (journey_lifecycle_winback.go): the "notify.winback" sweeper
// queues WIN_BACK (marketing) for each customer whose latest order is
// delayDays old, keyed by that order, in bounded batches; skipped when due
// if they ordered meanwhile.
package notify
