package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/hooks"
	"github.com/aftercart/aftercart/server/notify"
)

// webhookFlags are the outbound webhooks' flags: the WEBHOOK channel's
// provider (package notify) and the store endpoints' timeout (package
// hooks).
type webhookFlags struct {
	channelURL, channelSecret *string
	channelTimeout, timeout   *time.Duration
	allowPrivate              *bool
}

// addWebhookFlags declares the outbound webhooks' flags on fs.
func addWebhookFlags(fs *flag.FlagSet) webhookFlags {
	return webhookFlags{
		channelURL: fs.String("webhook-channel-url", os.Getenv("AFTERCART_WEBHOOK_CHANNEL_URL"),
			"SMS or push provider WEBHOOK messages are POSTed to; empty, or -dev, keeps them in the outbox (env AFTERCART_WEBHOOK_CHANNEL_URL)"),
		channelSecret: fs.String("webhook-channel-secret", os.Getenv("AFTERCART_WEBHOOK_CHANNEL_SECRET"),
			"secret the WEBHOOK channel signs its requests with; required with -webhook-channel-url (env AFTERCART_WEBHOOK_CHANNEL_SECRET)"),
		channelTimeout: fs.Duration("webhook-channel-timeout", envDuration("AFTERCART_WEBHOOK_CHANNEL_TIMEOUT", notify.DefaultWebhookTimeout),
			"how long the WEBHOOK channel's provider may take to answer before the attempt fails and is retried (env AFTERCART_WEBHOOK_CHANNEL_TIMEOUT)"),
		timeout: fs.Duration("webhook-timeout", envDuration("AFTERCART_WEBHOOK_TIMEOUT", hooks.DefaultTimeout),
			"how long a store webhook endpoint may take to answer before the attempt fails and is retried (env AFTERCART_WEBHOOK_TIMEOUT)"),
		allowPrivate: fs.Bool("webhook-allow-private", os.Getenv("AFTERCART_WEBHOOK_ALLOW_PRIVATE") == "true",
			"accept store webhook endpoints on loopback, private and link-local addresses (the store's own systems on a private network); -dev implies it (env AFTERCART_WEBHOOK_ALLOW_PRIVATE=true)"),
	}
}

// apply stores the flags' values in c and returns what is wrong with them.
func (f webhookFlags) apply(c *app.Config) []string {
	var ps []string
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"-webhook-channel-timeout", *f.channelTimeout}, {"-webhook-timeout", *f.timeout}} {
		if d.v <= 0 {
			ps = append(ps, fmt.Sprintf("%s is %s; must be positive, e.g. 10s", d.name, d.v))
		}
	}
	if *f.channelURL != "" && *f.channelSecret == "" {
		ps = append(ps, "-webhook-channel-url needs -webhook-channel-secret (AFTERCART_WEBHOOK_CHANNEL_SECRET)")
	}
	c.Mail.Webhook = notify.WebhookConfig{URL: *f.channelURL, Secret: *f.channelSecret, Timeout: *f.channelTimeout}
	c.Webhooks.Timeout = *f.timeout
	c.Webhooks.AllowPrivate = *f.allowPrivate
	return ps
}
