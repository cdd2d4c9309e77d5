package notify

import (
	"testing"
	"time"
)

// TestReplenishDue: the reminder is due when the quantity bought runs out
// (interval × quantity days after delivery) less the lead time, never
// before the delivery.
func TestReplenishDue(t *testing.T) {
	delivered := time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, c := range []struct {
		interval, qty, lead int
		due, out            time.Duration
	}{
		{30, 1, 5, 25 * day, 30 * day},
		{30, 3, 5, 85 * day, 90 * day},
		{20, 2, 0, 40 * day, 40 * day},
		{3, 1, 5, 0, 3 * day}, // runs out within the lead time: at once
		{5, 1, 5, 0, 5 * day}, // exactly the lead time
		{1, 10, 9, 1 * day, 10 * day},
	} {
		due, out := replenishDue(delivered, c.interval, c.qty, c.lead)
		if !due.Equal(delivered.Add(c.due)) || !out.Equal(delivered.Add(c.out)) {
			t.Errorf("interval %d × %d, lead %d: due %v, runs out %v; want +%v, +%v",
				c.interval, c.qty, c.lead, due.Sub(delivered), out.Sub(delivered), c.due, c.out)
		}
	}
	if id, err := replenishItem(replenishKey(42)); err != nil || id != 42 {
		t.Errorf("replenishItem(replenishKey(42)) = %d, %v", id, err)
	}
}
