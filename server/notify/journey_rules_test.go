package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/schema/types"
)

// TestShippingSteps is the shipping journey's rule as a table: which
// messages a shipment's change calls for.
func TestShippingSteps(t *testing.T) {
	day := 24 * time.Hour
	first := time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := first.Add(d); return &v }
	st := func(s types.TrackingStatus, eta *time.Time) shipState {
		return shipState{Status: s, FirstETA: &first, ETA: eta}
	}
	ptr := func(s shipState) *shipState { return &s }
	for _, tc := range []struct {
		name string
		prev *shipState
		cur  shipState
		want string
	}{
		{"created", nil, st(types.TrackingPending, &first), "SHIPPED/shipped"},
		{"first scan: SHIPPED again (deduplicated by its key)", ptr(st(types.TrackingPending, &first)),
			st(types.TrackingInTransit, &first), "SHIPPED/shipped"},
		{"another scan in transit", ptr(st(types.TrackingInTransit, &first)), st(types.TrackingInTransit, &first), ""},
		{"out for delivery", ptr(st(types.TrackingInTransit, &first)), st(types.TrackingOutForDelivery, &first),
			"OUT_FOR_DELIVERY/out_for_delivery"},
		{"still out for delivery", ptr(st(types.TrackingOutForDelivery, &first)), st(types.TrackingOutForDelivery, &first), ""},
		{"delivered", ptr(st(types.TrackingOutForDelivery, &first)), st(types.TrackingDelivered, &first), "DELIVERED/delivered"},
		{"a batch that jumps to delivered, late: only DELIVERED", ptr(st(types.TrackingPending, &first)),
			st(types.TrackingDelivered, at(3*day)), "DELIVERED/delivered"},
		{"delivered stays delivered", ptr(st(types.TrackingDelivered, &first)), st(types.TrackingDelivered, &first), ""},
		{"exception", ptr(st(types.TrackingInTransit, &first)), st(types.TrackingException, &first),
			"DELAY_NOTICE/delay:exception"},
		{"slip within the threshold", ptr(st(types.TrackingInTransit, &first)), st(types.TrackingInTransit, at(20*time.Hour)), ""},
		{"slip past the threshold", ptr(st(types.TrackingInTransit, &first)), st(types.TrackingInTransit, at(3*day)),
			"DELAY_NOTICE/delay:eta:2026-03-09"},
		{"a second slip to a new date", ptr(st(types.TrackingInTransit, at(3*day))), st(types.TrackingInTransit, at(5*day)),
			"DELAY_NOTICE/delay:eta:2026-03-11"},
		{"an estimate moved earlier is no apology", ptr(st(types.TrackingInTransit, at(5*day))),
			st(types.TrackingInTransit, at(3*day)), ""},
		{"the same date, a later hour: the same key", ptr(st(types.TrackingInTransit, at(3*day))),
			st(types.TrackingInTransit, at(3*day+2*time.Hour)), "DELAY_NOTICE/delay:eta:2026-03-09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range shippingSteps(tc.prev, tc.cur, day) {
				got = append(got, string(s.kind)+"/"+s.key)
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("steps %v, want %q", got, tc.want)
			}
		})
	}
}

// TestDelayFor: the review request waits the longest delay of the
// order's categories; a category without an override counts the default.
func TestDelayFor(t *testing.T) {
	set := JourneySettings{DelayDays: intp(7), CategoryDelays: map[string]int{"coffee": 3, "mattress": 30}}
	for _, tc := range []struct {
		cats []string
		want int
	}{
		{nil, 7},
		{[]string{"Coffee"}, 3},
		{[]string{"coffee", "Mattress "}, 30},
		{[]string{"coffee", ""}, 7},
		{[]string{"Books"}, 7},
	} {
		if got := set.delayFor(tc.cats); got != time.Duration(tc.want)*24*time.Hour {
			t.Errorf("delayFor(%q) = %s, want %d days", tc.cats, got, tc.want)
		}
	}
}

// TestJourneyDefaultTemplatesRender: every journey kind's default
// template validates (against its sample) and renders each variant of
// its variables: the sample runs one branch of each {{if}}, so the
// others (a delay notice's three reasons, no new date, no points) are
// rendered here.
func TestJourneyDefaultTemplatesRender(t *testing.T) {
	kindsOf := []message.Kind{message.KindSHIPPED, message.KindOUT_FOR_DELIVERY, message.KindDELIVERED,
		message.KindDELAY_NOTICE, message.KindREVIEW_REQUEST, message.KindREVIEW_REMINDER}
	for _, k := range kindsOf {
		for _, ch := range []message.Channel{message.ChannelEMAIL, message.ChannelIN_APP, message.ChannelWEBHOOK} {
			// Their own on every channel, so staff can turn a channel on
			// without writing one (validateChannels).
			if !shipped(k, ch) {
				t.Errorf("%s ships no %s template", k, ch)
			}
			tpl, err := DefaultTemplate(k, ch)
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(k, ch, tpl); err != nil {
				t.Errorf("%s on %s: %v", k, ch, err)
			}
		}
	}
	tpl, err := DefaultTemplate(message.KindDELAY_NOTICE, message.ChannelEMAIL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := parse(tpl)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v    DelayNotice
		want string
	}{
		{DelayNotice{ShippingUpdate: shippingSample, Reason: DelayException, Detail: "Customs hold"}, "reported a problem with the delivery: Customs hold"},
		{DelayNotice{ShippingUpdate: shippingSample, Reason: DelayStalled, LastCheckpoint: "4 March 2026"}, "not scanned the parcel since 4 March 2026"},
		{DelayNotice{ShippingUpdate: shippingSample, Reason: DelayLate, NewDate: "9 March 2026"}, "New expected delivery: 9 March 2026"},
		{DelayNotice{ShippingUpdate: shippingSample, Reason: DelayLate}, "has not given a new date yet"},
	} {
		r, err := c.execute(tc.v)
		if err != nil {
			t.Fatalf("%+v: %v", tc.v, err)
		}
		if !strings.Contains(r.Text, tc.want) || !strings.Contains(r.Text, "sorry") {
			t.Errorf("reason %s: text lacks %q or the apology:\n%s", tc.v.Reason, tc.want, r.Text)
		}
		// The short parts apologize and give the date (or say there is none) too.
		for _, ch := range []message.Channel{message.ChannelIN_APP, message.ChannelWEBHOOK} {
			short, err := DefaultTemplate(message.KindDELAY_NOTICE, ch)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := parse(short)
			if err != nil {
				t.Fatal(err)
			}
			r, err := sc.execute(tc.v)
			if err != nil {
				t.Fatalf("%s %+v: %v", ch, tc.v, err)
			}
			date := "new date"
			if tc.v.NewDate != "" {
				date = tc.v.NewDate
			}
			if !strings.Contains(strings.ToLower(r.Text), "sorry") || !strings.Contains(r.Text, date) {
				t.Errorf("%s, reason %s: text lacks the apology or %q: %s", ch, tc.v.Reason, date, r.Text)
			}
		}
	}
	rtpl, err := DefaultTemplate(message.KindREVIEW_REQUEST, message.ChannelEMAIL)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := parse(rtpl)
	if err != nil {
		t.Fatal(err)
	}
	noPoints := reviewSample
	noPoints.ReviewPoints = 0
	r, err := rc.execute(noPoints)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text, "points") || strings.Contains(r.HTML, "points") {
		t.Errorf("a review request without points mentions them:\n%s", r.Text)
	}
}
