package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/notify"
)

// ruleFlags are the outbox's never-pestering rules and email links
// (notify.Rules).
type ruleFlags struct {
	consent, quietHours, timeZone, publicURL *string
	weeklyCap, conversionDays                *int
	journeyGap                               *time.Duration
}

// addRuleFlags declares the rules' flags on fs.
func addRuleFlags(fs *flag.FlagSet) ruleFlags {
	return ruleFlags{
		consent: fs.String("marketing-consent", envString("AFTERCART_MARKETING_CONSENT", "opt-in"),
			"opt-in: marketing messages only to customers who said yes (EU); opt-out: to every customer until they unsubscribe (env AFTERCART_MARKETING_CONSENT)"),
		quietHours: fs.String("quiet-hours", envString("AFTERCART_QUIET_HOURS", notify.SuggestedQuietHours),
			"HH:MM-HH:MM in the customer's time zone when messages that can wait are held until the end; empty: none (env AFTERCART_QUIET_HOURS)"),
		timeZone: fs.String("time-zone", os.Getenv("AFTERCART_TIME_ZONE"),
			"IANA time zone of customers the store sent none for, e.g. Europe/Berlin; default UTC (env AFTERCART_TIME_ZONE)"),
		weeklyCap: fs.Int("weekly-cap", envInt("AFTERCART_WEEKLY_CAP", notify.DefaultWeeklyCap),
			"marketing messages a customer gets in any 7 days, more are skipped; -1: no cap (env AFTERCART_WEEKLY_CAP)"),
		journeyGap: fs.Duration("journey-gap", envDuration("AFTERCART_JOURNEY_GAP", 0),
			"least time between two messages of one journey to one customer (the next waits); 0: none (env AFTERCART_JOURNEY_GAP)"),
		conversionDays: fs.Int("conversion-days", envInt("AFTERCART_CONVERSION_DAYS", int(notify.DefaultConversionWindow/(24*time.Hour))),
			"an order within this many days after a click in a message counts as its conversion (env AFTERCART_CONVERSION_DAYS)"),
		publicURL: fs.String("public-url", os.Getenv("AFTERCART_PUBLIC_URL"),
			"where the links in emails (unsubscribe, open pixel, tracked clicks) point, e.g. https://shop.example.com; default this server's address (env AFTERCART_PUBLIC_URL)"),
	}
}

// envString is the environment's key, or def when unset.
func envString(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// apply stores the flags' values in c and returns what is wrong with them.
func (f ruleFlags) apply(c *app.Config) []string {
	var ps []string
	r := &c.Mail.Rules
	switch *f.consent {
	case "opt-in":
		r.OptOut = false
	case "opt-out":
		r.OptOut = true
	default:
		ps = append(ps, fmt.Sprintf("-marketing-consent (AFTERCART_MARKETING_CONSENT) is %q; must be opt-in or opt-out", *f.consent))
	}
	r.QuietHours, r.TimeZone, r.PublicURL, r.JourneyGap = *f.quietHours, *f.timeZone, *f.publicURL, *f.journeyGap
	if p := notify.CheckRules(*r); p != "" {
		ps = append(ps, "-quiet-hours/-time-zone: "+p)
	}
	switch {
	case *f.weeklyCap == 0 || *f.weeklyCap < -1:
		ps = append(ps, fmt.Sprintf("-weekly-cap (AFTERCART_WEEKLY_CAP) is %d; must be 1 or more, or -1 for no cap", *f.weeklyCap))
	default:
		r.WeeklyCap = *f.weeklyCap
	}
	if *f.journeyGap < 0 {
		ps = append(ps, fmt.Sprintf("-journey-gap (AFTERCART_JOURNEY_GAP) is %s; must be 0 or more", *f.journeyGap))
	}
	if *f.conversionDays < 1 {
		ps = append(ps, fmt.Sprintf("-conversion-days (AFTERCART_CONVERSION_DAYS) is %d; must be 1 or more", *f.conversionDays))
	}
	r.ConversionWindow = time.Duration(*f.conversionDays) * 24 * time.Hour
	return ps
}
