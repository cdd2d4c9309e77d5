package notify

import (
	"time"

	"github.com/aftercart/aftercart/ent"
)

// Dates in messages: every date a message shows is the day where its
// customer lives (customerZone), the zone quiet hours use too. A time
// read from the database comes back in whatever zone the driver chose
// (UTC from SQLite, the session's zone from Postgres), and an order
// placed at 23:30 UTC was placed on the next day in Berlin and still on
// the same day in Los Angeles: formatting the time as read would give
// the customer another day than the one they lived, and a different one
// on each database.

// dateLayout is how dates read in messages.
const dateLayout = "2 January 2006"

// customerZone is where cu lives: their time_zone (the store platform's
// IANA name), else the store's zone (Rules.TimeZone, -time-zone; UTC
// without one). A name the zone database does not know counts as none.
func (s *Service) customerZone(cu *ent.Customer) *time.Location {
	if cu != nil && cu.TimeZone != nil && *cu.TimeZone != "" {
		if l, err := time.LoadLocation(*cu.TimeZone); err == nil {
			return l
		}
	}
	return s.rules.loc
}

// dateFor is t as a date in a message to cu: the day in cu's zone
// (customerZone), e.g. "2 March 2026".
func (s *Service) dateFor(cu *ent.Customer, t time.Time) string {
	return t.In(s.customerZone(cu)).Format(dateLayout)
}
