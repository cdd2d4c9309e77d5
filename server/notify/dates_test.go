package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestDatesInTheCustomersZone: the confirmation's order date and expected
// delivery are days where the customer lives (their time zone, else the
// store's -time-zone), whatever zone the database hands times back in.
// The Postgres session runs at UTC+14 (Pacific/Kiritimati), where every
// time below falls on another day than for one of the customers, and
// SQLite returns UTC: before, PlacedOn was the driver's day, so the two
// databases disagreed and neither matched the customer's.
func TestDatesInTheCustomersZone(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		if dbURL != "" {
			dbURL += "&timezone=Pacific/Kiritimati" // a session zone that is nobody's here
		}
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL(), func(c *app.Config) {
			c.Mail.Rules.TimeZone = "Europe/Berlin"
			c.Mail.DeliveryDays = 3
		})
		lateEvening := time.Date(2026, 11, 1, 23, 30, 0, 0, time.UTC)
		for _, c := range []struct {
			email, zone, number string
			placed              time.Time
			placedOn, expected  string
		}{
			// 08:30 on 2 November in Tokyo: the next day.
			{"mina@example.com", "Asia/Tokyo", "TZ-1", lateEvening, "2 November 2026", "5 November 2026"},
			// No zone of their own: the store's, 00:30 on 2 November in Berlin.
			{"leo@example.com", "", "TZ-2", lateEvening, "2 November 2026", "5 November 2026"},
			// 15:30 on 1 November in Los Angeles: the same day (the session's is the 2nd).
			{"ana@example.com", "America/Los_Angeles", "TZ-3", lateEvening, "1 November 2026", "4 November 2026"},
			// 00:30 UTC on 2 November is still 1 November in Los Angeles: the previous day.
			{"ana@example.com", "America/Los_Angeles", "TZ-4", lateEvening.Add(time.Hour), "1 November 2026", "4 November 2026"},
		} {
			vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: c.email, Number: c.number, Items: 1, PlacedAt: c.placed})
			if c.zone != "" {
				vars["input"].(map[string]any)["customer"].(map[string]any)["timeZone"] = c.zone
			}
			s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, vars).MustOK(t, nil)
			got := wantMail(t, mailbox, message.KindORDER_CONFIRMATION, c.email)
			placed := "Your order " + c.number + " from "
			if !strings.Contains(got.Text, ", placed "+c.placedOn+".") || !strings.Contains(got.Text, placed) ||
				!strings.Contains(got.Text, "Expected delivery: "+c.expected+" (") {
				t.Errorf("order %s for a customer in %q: want placed %s, expected %s; the email says:\n%s",
					c.number, c.zone, c.placedOn, c.expected, got.Text)
			}
		}
	})
}
