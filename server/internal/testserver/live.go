package testserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// LiveFixture is an order with one shipment, for the live-update tests.
type LiveFixture struct {
	// Order and Shipment are GraphQL ids; Tracking is the DHL tracking
	// number of the shipment, which holds one unit of the first line.
	Order, Shipment string
	Tracking        string
}

// LiveFixture imports an order numbered number for mina@example.com and
// ships part of it.
func (s *Server) LiveFixture(t *testing.T, number string) LiveFixture {
	t.Helper()
	o := s.MustImport(t, OrderSpec{Email: "mina@example.com", Number: number, Items: 2})
	tn := "JJD" + number + "01"
	sh := s.MustShip(t, o.ID, "DHL", tn, map[string]any{"orderItemId": o.Items[0].ID, "quantity": 1})
	return LiveFixture{Order: o.ID, Shipment: sh, Tracking: tn}
}

// WaitSubscribed returns once subscription "1" on c streams live updates of
// f: a live-only stream misses what commits before it joins, and the
// protocol has no "subscribed" message, so it records probes until one
// arrives, then a sync event, and discards everything before the sync.
func (s *Server) WaitSubscribed(t *testing.T, c *WSClient, f LiveFixture) (cursor string) {
	t.Helper()
	seq := probeSeq.Add(1)
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("subscription never received a probe")
		}
		s.MustTrack(t, "DHL", f.Tracking, Event(fmt.Sprintf("probe-%d-%d", seq, i), "INFO_RECEIVED", T0))
		m, err := c.ReadFor("1", 200*time.Millisecond)
		if err == nil {
			if m.Type != "next" {
				t.Fatalf("waiting for a probe: %s %s", m.Type, m.Payload)
			}
			break
		} else if !errors.Is(err, ErrReadTimeout) {
			t.Fatalf("waiting for a probe: %v", err)
		}
	}
	sync := fmt.Sprintf("sync-%d", seq)
	s.MustTrack(t, "DHL", f.Tracking, Event(sync, "INFO_RECEIVED", T0))
	for {
		m, err := c.ReadFor("1", 10*time.Second)
		if err != nil {
			t.Fatalf("waiting for %s: %v", sync, err)
		}
		if u := DecodeUpdate(t, m); u.Event != nil && u.Event.Message == "Event "+sync {
			return u.Cursor
		}
	}
}

// probeSeq keeps WaitSubscribed's probes unique within a test binary.
var probeSeq atomic.Int64

// WSErrors returns the errors of an `error` message or of a `next`
// carrying errors.
func WSErrors(m WSMessage) []Error {
	var errs []Error
	switch m.Type {
	case "error":
		_ = json.Unmarshal(m.Payload, &errs)
	case "next":
		var p struct{ Errors []Error }
		_ = json.Unmarshal(m.Payload, &p)
		errs = p.Errors
	}
	return errs
}

// ErrorCode returns the extensions.code of an error delivered either as an
// `error` message or as a `next` carrying errors.
func ErrorCode(m WSMessage) string {
	errs := WSErrors(m)
	if len(errs) == 0 {
		return ""
	}
	c, _ := errs[0].Extensions["code"].(string)
	return c
}
