package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/notify"
)

// maxMessageAttempts bounds -message-attempts: with the job system's
// attempt⁴-second backoff, 25 attempts already span eleven days.
const maxMessageAttempts = 25

// mailFlags are the outbox's flags (see package notify).
type mailFlags struct {
	smtpURL, from, orderURL, returnAddress *string
	timeout                                *time.Duration
	attempts                               *int
}

// addMailFlags declares the outbox's flags on fs.
func addMailFlags(fs *flag.FlagSet) mailFlags {
	return mailFlags{
		smtpURL: fs.String("smtp-url", os.Getenv("AFTERCART_SMTP_URL"),
			"SMTP server email goes to: smtp://user:password@host:587 (STARTTLS when offered) or smtps://host:465; empty, or -dev, keeps every email in the outbox (env AFTERCART_SMTP_URL)"),
		from: fs.String("mail-from", os.Getenv("AFTERCART_MAIL_FROM"),
			"sender of every email, e.g. \"Shop <orders@shop.example.com>\" (env AFTERCART_MAIL_FROM)"),
		timeout: fs.Duration("smtp-timeout", envDuration("AFTERCART_SMTP_TIMEOUT", notify.DefaultSMTPTimeout),
			"how long the SMTP server may take to connect or answer a command before the attempt fails and is retried (env AFTERCART_SMTP_TIMEOUT)"),
		attempts: fs.Int("message-attempts", envInt("AFTERCART_MESSAGE_ATTEMPTS", notify.DefaultMaxAttempts),
			"delivery attempts of a message before it is DEAD (staff can retry it) (env AFTERCART_MESSAGE_ATTEMPTS)"),
		orderURL: fs.String("order-url", os.Getenv("AFTERCART_ORDER_URL"),
			"the customer's order page, {number} replaced by the order number: the tracking button of emails; default: the demo's page on this server (env AFTERCART_ORDER_URL)"),
		returnAddress: fs.String("return-address", os.Getenv("AFTERCART_RETURN_ADDRESS"),
			"where customers send returns, shown with the return policy in order confirmations (env AFTERCART_RETURN_ADDRESS)"),
	}
}

// apply stores the flags' values in c and returns what is wrong with them
// (the SMTP URL is checked by app.Config.Validate).
func (f mailFlags) apply(c *app.Config) []string {
	var ps []string
	if *f.timeout <= 0 {
		ps = append(ps, fmt.Sprintf("-smtp-timeout (AFTERCART_SMTP_TIMEOUT) is %s; must be positive, e.g. 30s", *f.timeout))
	}
	if *f.attempts < 1 || *f.attempts > maxMessageAttempts {
		ps = append(ps, fmt.Sprintf("-message-attempts (AFTERCART_MESSAGE_ATTEMPTS) is %d; must be between 1 and %d", *f.attempts, maxMessageAttempts))
	}
	c.Mail.SMTPURL, c.Mail.From, c.Mail.SMTPTimeout, c.Mail.MaxAttempts = *f.smtpURL, *f.from, *f.timeout, *f.attempts
	c.Mail.OrderURL, c.Mail.ReturnAddress = *f.orderURL, *f.returnAddress
	return ps
}
