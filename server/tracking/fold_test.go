package tracking

import (
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/schema/types"
)

func TestFold(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 2, h, 0, 0, 0, time.UTC) }
	ev := func(s types.TrackingStatus, h int) EventInput {
		return EventInput{ExternalID: string(s), Status: s, OccurredAt: at(h)}
	}
	tp := func(h int) *time.Time { t := at(h); return &t }
	for _, c := range []struct {
		name      string
		cur       Snapshot
		events    []EventInput
		status    types.TrackingStatus
		last      *time.Time
		shipped   *time.Time
		delivered *time.Time
	}{
		{"first event", Snapshot{Status: types.TrackingPending}, []EventInput{ev(types.TrackingInfoReceived, 8)},
			types.TrackingInfoReceived, tp(8), nil, nil},
		{"batch in reverse order", Snapshot{Status: types.TrackingPending},
			[]EventInput{ev(types.TrackingOutForDelivery, 12), ev(types.TrackingInfoReceived, 8), ev(types.TrackingInTransit, 10)},
			types.TrackingOutForDelivery, tp(12), tp(10), nil},
		{"late old event changes nothing but shippedAt", Snapshot{Status: types.TrackingOutForDelivery, LastEventAt: tp(12), ShippedAt: tp(10)},
			[]EventInput{ev(types.TrackingInTransit, 9)}, types.TrackingOutForDelivery, tp(12), tp(9), nil},
		{"delivered is terminal against a newer stamp", Snapshot{Status: types.TrackingDelivered, LastEventAt: tp(12), DeliveredAt: tp(12)},
			[]EventInput{ev(types.TrackingInTransit, 14)}, types.TrackingDelivered, tp(14), tp(14), tp(12)},
		{"late delivered wins over a newer in-transit", Snapshot{Status: types.TrackingInTransit, LastEventAt: tp(14)},
			[]EventInput{ev(types.TrackingDelivered, 12)}, types.TrackingDelivered, tp(14), nil, tp(12)},
		{"exception after transit", Snapshot{Status: types.TrackingInTransit, LastEventAt: tp(10)},
			[]EventInput{ev(types.TrackingException, 11)}, types.TrackingException, tp(11), tp(11), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Fold(c.cur, c.events, nil)
			eq := func(a, b *time.Time) bool { return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b)) }
			if got.Status != c.status || !eq(got.LastEventAt, c.last) || !eq(got.DeliveredAt, c.delivered) {
				t.Errorf("status %s last %v delivered %v; want %s %v %v", got.Status, got.LastEventAt, got.DeliveredAt, c.status, c.last, c.delivered)
			}
			if c.shipped != nil && !eq(got.ShippedAt, c.shipped) {
				t.Errorf("shippedAt %v, want %v", got.ShippedAt, c.shipped)
			}
		})
	}
}

func TestFoldETA(t *testing.T) {
	first := time.Date(2026, 11, 5, 18, 0, 0, 0, time.UTC)
	slipped := first.Add(48 * time.Hour)
	s := Fold(Snapshot{Status: types.TrackingPending}, nil, &first)
	s = Fold(s, nil, &slipped)
	if !s.FirstETA.Equal(first) || !s.LatestETA.Equal(slipped) {
		t.Fatalf("first %v latest %v", s.FirstETA, s.LatestETA)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"Royal Mail": "ROYAL_MAIL", "dhl": "DHL", " fed-ex ": "FED_EX", "dhl.paket": "DHLPAKET"} {
		if got, err := NormalizeCarrier(in); err != nil || got != want {
			t.Errorf("NormalizeCarrier(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "DHL; DROP", "Ü-Post"} {
		if _, err := NormalizeCarrier(bad); err == nil {
			t.Errorf("NormalizeCarrier(%q) accepted", bad)
		}
	}
	if got, err := NormalizeTrackingNumber("1z 999 aa1 0123 4567 84"); err != nil || got != "1Z999AA10123456784" {
		t.Errorf("NormalizeTrackingNumber = %q, %v", got, err)
	}
	if u, _ := TrackingURL(nil, "UPS", "1Z999"); u == nil || *u != "https://www.ups.com/track?tracknum=1Z999" {
		t.Errorf("UPS tracking url = %v", u)
	}
	if u, _ := TrackingURL(nil, "ACME", "1"); u != nil {
		t.Errorf("unknown carrier got a URL: %v", *u)
	}
}
