package notify

import (
	"sync"
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
		if l := loadZone(*cu.TimeZone); l != nil {
			return l
		}
	}
	return s.rules.loc
}

// zones caches the zones loadZone found, by name: time.LoadLocation reads
// the zone's file on every call, and one message renders several dates.
// Only names the zone database knows are kept, so the cache is bounded by
// it (a few hundred), whatever names imports carry.
var zones sync.Map

// loadZone is time.LoadLocation(name), cached; nil when name is unknown.
func loadZone(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	zones.Store(name, l)
	return l
}

// dateFor is t as a date in a message to cu: the day in cu's zone
// (customerZone), e.g. "2 March 2026".
func (s *Service) dateFor(cu *ent.Customer, t time.Time) string {
	return t.In(s.customerZone(cu)).Format(dateLayout)
}
