package tracking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>".
const SignatureHeader = "X-Aftercart-Signature"

// MaxWebhookBody bounds a webhook delivery; 100 events fit in far less.
const MaxWebhookBody = 1 << 20

// Sign returns the SignatureHeader value for body under secret. Senders (and
// tests) use it; the handler compares against it in constant time.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Webhook is the HTTP handler for POST /webhooks/tracking: a carrier or
// tracking aggregator pushes an EventsInput as JSON, signed with the shared
// secret. Answers: 200 with what was recorded; 400 malformed; 401 bad
// signature (nothing written); 404 unknown shipment; 413 too large; 503 when
// the database is down (the sender should retry). Redelivery is safe: events
// are idempotent on their externalId.
type Webhook struct {
	svc    *Service
	secret []byte
	log    *slog.Logger
}

// NewWebhook returns the handler. secret must not be empty.
func NewWebhook(svc *Service, secret []byte, log *slog.Logger) *Webhook {
	return &Webhook{svc: svc, secret: secret, log: log}
}

// ServeHTTP implements http.Handler.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, errs.BadRequest, "use POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, errs.BadRequest, "body over 1 MiB")
			return
		}
		writeError(w, http.StatusBadRequest, errs.BadRequest, "could not read body")
		return
	}
	if !h.verify(r.Header.Get(SignatureHeader), body) {
		writeError(w, http.StatusUnauthorized, errs.Unauthenticated, "missing or invalid "+SignatureHeader)
		return
	}
	var in EventsInput
	if err := json.Unmarshal(body, &in); err != nil {
		// Not JSON at all is a malformed request; JSON with a value of the
		// wrong type or format (a date that is not RFC 3339) is bad input.
		code := errs.InvalidInput
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
			code = errs.BadRequest
		}
		writeError(w, http.StatusBadRequest, code, "body is not a valid tracking payload: "+err.Error())
		return
	}
	res, err := h.svc.RecordEvents(auth.WithSystem(r.Context()), in)
	if err != nil {
		e, ok := errs.As(err)
		if !ok {
			h.log.Error("tracking webhook failed", "err", err)
			writeError(w, http.StatusInternalServerError, errs.Internal, "internal error")
			return
		}
		writeError(w, statusOf(e.Code), e.Code, e.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"shipmentId": res.Shipment.ID,
		"status":     res.Shipment.Status,
		"recorded":   res.Recorded,
		"duplicates": res.Duplicates,
		// When the events were committed (RFC 3339, nanoseconds).
		"recordedAt": res.CommittedAt.UTC().Format(time.RFC3339Nano),
	})
}

func (h *Webhook) verify(header string, body []byte) bool {
	got, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	return hmac.Equal(sig, mac.Sum(nil))
}

func statusOf(c errs.Code) int {
	switch c {
	case errs.InvalidInput:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func writeError(w http.ResponseWriter, status int, code errs.Code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
