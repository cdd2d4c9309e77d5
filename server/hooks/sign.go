package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// The headers of every outbound webhook (store endpoints and the WEBHOOK
// channel of server/notify).
const (
	// SignatureHeader carries "sha256=<hex HMAC-SHA256>", as the inbound
	// carrier webhook's header of the same name (server/tracking), here
	// over TimestampHeader's value, a ".", and the raw body.
	SignatureHeader = "X-Aftercart-Signature"
	// TimestampHeader carries the attempt's time in Unix seconds. It is
	// signed, so a receiver that refuses old timestamps refuses a
	// captured request replayed later (see Verify).
	TimestampHeader = "X-Aftercart-Timestamp"
	// EventIDHeader carries the event's id: the same on every attempt and
	// replay of one event, so the receiver can drop duplicates.
	EventIDHeader = "X-Aftercart-Event-Id"
	// EventHeader carries the event's type (ORDER_STATUS_CHANGED, ...; the
	// message kind for the WEBHOOK channel).
	EventHeader = "X-Aftercart-Event"
)

// DefaultTolerance is how old a timestamp Verify accepts by default: long
// enough for clock skew and a slow network, short enough that a captured
// request is of no use for long.
const DefaultTolerance = 5 * time.Minute

// Sign returns the SignatureHeader value of body sent at ts under secret:
// "sha256=" and the hex HMAC-SHA256 of "<unix seconds>.<body>".
func Sign(secret []byte, ts time.Time, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

// mac is the HMAC-SHA256 of "<timestamp>.<body>".
func mac(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify is what a receiver written in Go runs (the README shows the same
// in a shell): it reports whether signature (SignatureHeader's value) is
// body's under secret at timestamp (TimestampHeader's value), comparing in
// constant time, and whether the timestamp is within tolerance of now
// (zero tolerance means DefaultTolerance).
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) bool {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return false
	}
	got, ok := strings.CutPrefix(strings.TrimSpace(signature), "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	return hmac.Equal(sig, mac(secret, strings.TrimSpace(timestamp), body))
}
