package community_test

import (
	"testing"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/moderation"
)

func TestTrusted(t *testing.T) {
	for _, c := range []struct {
		name string
		r    community.Record
		want bool
	}{
		{"a new customer", community.Record{}, false},
		{"a delivered order", community.Record{DeliveredOrder: true}, true},
		{"an approved post", community.Record{Approved: 1}, true},
		{"more removed than approved", community.Record{DeliveredOrder: true, Approved: 1, Removed: 2}, false},
		{"as many approved as removed", community.Record{Approved: 2, Removed: 2}, true},
		{"staff trust a new customer", community.Record{Override: types.TrustTrusted}, true},
		{"staff trust over removals", community.Record{Override: types.TrustTrusted, Removed: 5}, true},
		{"staff restrict a buyer", community.Record{Override: types.TrustRestricted, DeliveredOrder: true, Approved: 3}, false},
	} {
		if got := community.Trusted(c.r); got != c.want {
			t.Errorf("%s: Trusted(%+v) = %v, want %v", c.name, c.r, got, c.want)
		}
	}
}

func TestInitialStatus(t *testing.T) {
	held := moderation.Verdict{RequireApproval: []string{"refund"}}
	flagged := moderation.Verdict{Flagged: []string{"cheap"}}
	for _, c := range []struct {
		trusted bool
		v       moderation.Verdict
		want    types.ModerationStatus
	}{
		{true, moderation.Verdict{}, types.ModerationPublished},
		{true, flagged, types.ModerationPublished},
		{true, held, types.ModerationPending},
		{false, moderation.Verdict{}, types.ModerationPending},
		{false, held, types.ModerationPending},
	} {
		if got := community.InitialStatus(c.trusted, c.v); got != c.want {
			t.Errorf("InitialStatus(%v, %+v) = %s, want %s", c.trusted, c.v, got, c.want)
		}
	}
}
