package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/tracking"
)

// printDevTokens prints ready-to-use tokens, so a newcomer can call the API
// at once.
func (m *Main) printDevTokens() {
	ctx := auth.WithSystem(context.Background())
	email := demo.DemoCustomerEmail
	if n, err := m.App.DB.Order.Query().Where(order.HasCustomer()).Count(ctx); err != nil || n == 0 {
		email = "someone@example.com"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nOrder page demo: %s/demo/\nGraphiQL: %s/\nDevelopment tokens (valid 30 days; send as 'Authorization: Bearer <token>'):\n", m.URL(), m.URL())
	for _, t := range []struct {
		role  auth.Role
		email string
	}{{auth.RoleCustomer, email}, {auth.RoleAdmin, ""}, {auth.RoleIntegration, ""}} {
		tok, err := m.App.Issuer.Issue(t.role, t.email, 30*24*time.Hour)
		if err != nil {
			continue
		}
		label := string(t.role)
		if t.email != "" {
			label += " (" + t.email + ")"
		}
		fmt.Fprintf(&b, "  %-36s %s\n", label, tok)
	}
	fmt.Fprintf(&b, "Webhook secret: %s (sign bodies with %s: sha256=<hex HMAC-SHA256>)\n", m.App.WebhookSecret, tracking.SignatureHeader)
	fmt.Fprint(os.Stderr, b.String())
}

// runToken implements "server token".
//
// Without AFTERCART_JWT_SECRET it signs with the development secret only when
// told to (-dev, or AFTERCART_DEV=true, as for the server): it used to do so
// by default, and an operator who forgot the variable got a token that looked
// fine and that production rejected.
func runToken(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	role := fs.String("role", "customer", "customer, admin or integration")
	email := fs.String("email", "", "the customer's email (customer tokens)")
	ttl := fs.Duration("ttl", 24*time.Hour, "validity")
	dataDir := fs.String("data-dir", env("AFTERCART_DATA_DIR", "data"), "data dir holding the development secret (env AFTERCART_DATA_DIR)")
	dev := fs.Bool("dev", envBool("AFTERCART_DEV", false), "without AFTERCART_JWT_SECRET, sign with the development secret in the data dir, as a -dev server does (env AFTERCART_DEV)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return err
	}
	if os.Getenv(auth.SecretEnv) == "" && !*dev {
		return fmt.Errorf("%s is not set. Set it to the secret of the server that will check the token, "+
			"or, for a development server (go run ./server -dev), pass -dev to sign with its secret in %s",
			auth.SecretEnv, filepath.Join(*dataDir, auth.SecretFile))
	}
	secret, err := auth.ResolveSecret(*dataDir, *dev)
	if err != nil {
		return err
	}
	iss, err := auth.NewIssuer(secret)
	if err != nil {
		return err
	}
	tok, err := iss.Issue(r, strings.ToLower(strings.TrimSpace(*email)), *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}
