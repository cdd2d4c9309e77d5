package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxExcerpt bounds the response body kept per attempt: enough for an
// error message, never a receiver's whole page.
const MaxExcerpt = 1024

// Request is one signed POST.
type Request struct {
	// URL is the endpoint.
	URL string
	// Secret signs the body (SignatureHeader).
	Secret []byte
	// EventID and Event fill EventIDHeader and EventHeader.
	EventID, Event string
	// Body is the JSON body, sent as is.
	Body []byte
	// Now is the attempt's time (TimestampHeader).
	Now time.Time
}

// Result is what one POST got.
type Result struct {
	// StatusCode is the response's status; 0 when there was none.
	StatusCode int
	// Duration is how long the exchange took (wall time, whatever the
	// server's clock: it is a measurement, not a schedule).
	Duration time.Duration
	// Excerpt is the start of the response body (at most MaxExcerpt
	// bytes, valid UTF-8).
	Excerpt string
	// Err is why the attempt failed; nil for a 2xx.
	Err error
	// Final is set when trying again cannot help: a 4xx other than 408
	// (timeout) and 429 (too many requests) says the receiver refuses this
	// request as it is (a bad signature, a gone endpoint).
	Final bool
}

// NewClient is the HTTP client of outbound webhooks: timeout bounds the
// whole exchange (connect, send, headers, the excerpt), so a receiver
// that hangs holds one worker at most that long; redirects are not
// followed (a redirected POST would become a GET, and the signature names
// no host), so a 3xx is a failed attempt. Unless allowPrivate, it
// connects only to public addresses (see guard.go).
func NewClient(timeout time.Duration, allowPrivate bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if !allowPrivate {
		t.DialContext = guardedDialer().DialContext
	}
	return &http.Client{
		Transport:     t,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Post sends r through c and reports what happened; it never returns
// early on a cancelled ctx without saying so in Result.Err.
func Post(ctx context.Context, c *http.Client, r Request) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Result{Err: fmt.Errorf("building the request: %w", err), Final: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "aftercart-webhooks/1")
	req.Header.Set(TimestampHeader, strconv.FormatInt(r.Now.Unix(), 10))
	req.Header.Set(SignatureHeader, Sign(r.Secret, r.Now, r.Body))
	req.Header.Set(EventIDHeader, r.EventID)
	req.Header.Set(EventHeader, r.Event)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return Result{Duration: time.Since(start), Err: errors.New(cleanErr(err, r.URL))}
	}
	defer resp.Body.Close()
	buf, _ := io.ReadAll(io.LimitReader(resp.Body, MaxExcerpt))
	// Drain a little more so the connection can be reused; a huge body is
	// cut off by closing.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	res := Result{StatusCode: resp.StatusCode, Duration: time.Since(start), Excerpt: excerpt(buf)}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		res.Err, res.Final = fmt.Errorf("the endpoint answered %d %s (final: a 4xx is not retried)", code, http.StatusText(code)), true
	default:
		res.Err = fmt.Errorf("the endpoint answered %d %s", code, http.StatusText(code))
	}
	return res
}

// excerpt is b as valid UTF-8 of at most len(b) bytes: invalid bytes (a
// binary body, a rune cut at the limit) become "?".
func excerpt(b []byte) string { return strings.ToValidUTF8(string(b), "?") }

// cleanErr is err's text without the URL net/http puts in it (a URL may
// carry a token in its query; the endpoint is on the delivery already).
func cleanErr(err error, url string) string {
	msg := err.Error()
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			msg = inner.Error()
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "Client.Timeout") {
		return "timed out: " + msg
	}
	return strings.ReplaceAll(msg, url, "<endpoint>")
}
