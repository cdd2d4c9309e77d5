package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/tracking"
)

// runSendEvent implements "server send-event": it plays a carrier, signing
// one tracking checkpoint with the webhook secret and posting it to a
// running server's POST /webhooks/tracking, then prints the answer. By
// default the checkpoint goes to the demo order the order page shows, so a
// newcomer can watch /demo/ move.
//
// The secret is looked up, never created: a secret of its own would match
// no server. The flags' defaults follow the server's (AFTERCART_ADDR,
// AFTERCART_DATA_DIR), so the command talks to the server started from the
// same shell and directory.
func runSendEvent(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("send-event", flag.ContinueOnError)
	baseURL := flags.String("url", serverURL(env("AFTERCART_ADDR", "127.0.0.1:8080")), "the server's base URL (default from env AFTERCART_ADDR, as the server listens)")
	dataDir := flags.String("data-dir", env("AFTERCART_DATA_DIR", "data"), "data dir holding a -dev server's webhook secret, used when AFTERCART_WEBHOOK_SECRET is unset (env AFTERCART_DATA_DIR)")
	carrier := flags.String("carrier", demo.InTransitCarrier, "the shipment's carrier")
	number := flags.String("tracking-number", demo.InTransitTrackingNumber, "the shipment's tracking number (default: the parcel of demo order "+demo.InTransitOrderNumber+")")
	status := flags.String("status", string(types.TrackingInTransit), "checkpoint status: PENDING, INFO_RECEIVED, IN_TRANSIT, OUT_FOR_DELIVERY, ATTEMPT_FAIL, AVAILABLE_FOR_PICKUP, DELIVERED, EXCEPTION or EXPIRED")
	subStatus := flags.String("sub-status", "", "the carrier's sub-status (optional)")
	message := flags.String("message", "Checkpoint sent with server send-event", "the checkpoint's message")
	location := flags.String("location", "", "where it happened, e.g. \"Berlin, DE\" (optional)")
	eta := flags.Duration("eta", 0, "new estimated delivery, this long from now (0: unchanged)")
	id := flags.String("id", "", "the checkpoint's externalId; resending one is a duplicate (default: unique)")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (flags only)", flags.Args())
	}
	secret, err := auth.LookupNamedSecret(app.WebhookSecretEnv, app.WebhookSecretFile, *dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w\nStart the development server first (go run ./server -dev), or set %s to the server's webhook secret", err, app.WebhookSecretEnv)
	}
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	ev := tracking.EventInput{
		ExternalID: *id,
		Status:     types.TrackingStatus(strings.ToUpper(strings.TrimSpace(*status))),
		SubStatus:  optional(*subStatus),
		Message:    optional(*message),
		Location:   optional(*location),
		OccurredAt: now,
	}
	if ev.ExternalID == "" {
		ev.ExternalID = fmt.Sprintf("send-event-%d", time.Now().UnixNano())
	}
	in := tracking.EventsInput{Carrier: *carrier, TrackingNumber: *number, Events: []tracking.EventInput{ev}}
	if *eta > 0 {
		t := now.Add(*eta)
		in.EstimatedDeliveryAt = &t
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	endpoint := strings.TrimRight(*baseURL, "/") + "/webhooks/tracking"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(tracking.SignatureHeader, tracking.Sign(secret, body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w\nIs the server running? Start it with: go run ./server -dev", err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "POST %s: %s\n%s\n", endpoint, res.Status, bytes.TrimSpace(answer))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("the server refused the event (%s)", res.Status)
	}
	if *carrier == demo.InTransitCarrier && *number == demo.InTransitTrackingNumber {
		fmt.Fprintf(out, "Watch it on the order page: %s/demo/#/orders/%s\n", strings.TrimRight(*baseURL, "/"), demo.InTransitOrderNumber)
	}
	return nil
}

// serverURL turns a listen address into the URL a client on this machine
// uses: a wildcard or empty host (":8080", "0.0.0.0:8080") means loopback.
func serverURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// optional returns nil for an empty flag value, so the field is left out.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
