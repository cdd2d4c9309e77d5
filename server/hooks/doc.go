// Package hooks is aftercart's outbound webhooks: the store's own systems
// (an ERP, a CRM, a helpdesk) subscribe endpoints to events, and each
// event reaches each subscribed endpoint as a signed JSON POST, retried,
// with a delivery log staff read and replay. The WEBHOOK channel of the
// outbox (server/notify) sends through the same signed POST (Post).
//
// # Events and where they are written
//
// Register hooks each event into the ent client where the server writes
// what it names (see Register for the list): an order created or its
// status changed, a shipment's exception or delivery, a review published,
// a referral completed. A hook never sends: Emit writes one
// WebhookDelivery per enabled endpoint subscribed to the event, and its
// job, in the transaction of the cause (the outbox rule of server/notify:
// a rollback leaves nothing, a commit always delivers). The event id
// ("evt_" and 32 hex digits) is shared by the deliveries of one event and
// kept on every attempt and replay, so receivers dedupe on it.
//
// # Delivery
//
// The job "hooks.deliver" (one per delivery) runs on any server, like
// notify's dispatch: it counts the attempt and commits, POSTs outside any
// transaction (a slow receiver holds no lock, only its worker, for at most
// Config.Timeout), then records a WebhookAttempt (status, duration, error,
// the first MaxExcerpt bytes of the answer) and the delivery's status:
// SUCCEEDED on a 2xx; FAILED and returned to River on a timeout, a refused
// connection, a 5xx, 408 or 429, retried with the job system's backoff on
// the server's clock; DEAD after Config.MaxAttempts, or at once on any
// other 4xx (the receiver refuses the request as it is: retrying the same
// bytes cannot help), the status in last_error. Redirects are not
// followed. As with email, a crash between the POST and its record sends
// the delivery again (at least once); the unchanged event id lets the
// receiver drop it.
//
// Staff replay a SUCCEEDED or DEAD delivery (Replay): PENDING again with a
// new round of attempts and a new job, the same event id and body. A
// delivery still being tried cannot be replayed (CONFLICT), so it never
// has two jobs.
//
// # Signature
//
// The inbound carrier webhook (server/tracking) is signed with
// X-Aftercart-Signature: sha256=<hex HMAC-SHA256 of the body>. Outbound
// requests keep that header and format but sign "<timestamp>.<body>", the
// timestamp (Unix seconds of the attempt) sent in X-Aftercart-Timestamp:
// a receiver that refuses old timestamps (Verify, 5 minutes by default)
// cannot be fed a captured request later. X-Aftercart-Event-Id and
// X-Aftercart-Event name the event. The signing is a dozen lines of
// crypto/hmac; no library is needed for it.
//
// # Endpoints
//
// Staff create, change, disable and delete endpoints (at most
// MaxEndpoints); a URL must be absolute https (http only with
// Config.AllowHTTP: development mode and tests), without credentials or a
// fragment, and public: an endpoint on a loopback, private or link-local
// address is refused at save and again when its name is dialed, unless
// Config.AllowPrivate (guard.go says why) (INVALID_INPUT otherwise). The secret is generated
// ("whsec_" and 32 random bytes, base64url), returned once by the
// mutation that made it, and never readable again; rotating it makes a
// new one. Everything here is for staff; customers get FORBIDDEN (ent
// privacy on the three tables, auth.RequireStaff on the commands).
package hooks
