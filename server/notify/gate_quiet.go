package notify

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
)

// gateQuietHours holds a message that can wait (see canWait) during
// Rules.QuietHours in the customer's time zone (customerZone:
// Customer.time_zone, else Rules.TimeZone) until they end. IN_APP
// notifications never wait: they interrupt nobody, the customer sees them
// when they open the app.
func gateQuietHours(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (verdict, error) {
	if !s.rules.quiet.on || !canWait(m.Kind) || m.Channel == message.ChannelIN_APP {
		return verdict{}, nil
	}
	var cu *ent.Customer
	if m.CustomerID != nil {
		var err error
		if cu, err = tx.Customer.Get(auth.WithSystem(ctx), *m.CustomerID); err != nil {
			return verdict{}, err
		}
	}
	loc := s.customerZone(cu)
	if until, in := quietUntil(s.now(), loc, s.rules.quiet); in {
		return verdict{wait: until}, nil
	}
	return verdict{}, nil
}

// quietUntil reports whether now falls in quiet hours q in loc, and when
// they end (the next q.end in loc, in now's location). The end is a wall
// clock time: on a day the clocks change it is still 08:00 local.
func quietUntil(now time.Time, loc *time.Location, q quiet) (time.Time, bool) {
	if !q.on {
		return time.Time{}, false
	}
	t := now.In(loc)
	mins := t.Hour()*60 + t.Minute()
	var in bool
	if q.start < q.end {
		in = mins >= q.start && mins < q.end
	} else { // wraps midnight
		in = mins >= q.start || mins < q.end
	}
	if !in {
		return time.Time{}, false
	}
	end := time.Date(t.Year(), t.Month(), t.Day(), q.end/60, q.end%60, 0, 0, loc)
	if !end.After(t) {
		end = time.Date(t.Year(), t.Month(), t.Day()+1, q.end/60, q.end%60, 0, 0, loc)
	}
	return end.In(now.Location()), true
}
