package notify_test

import (
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// journeysQuery is staff's journeys query.
const journeysQuery = `{ journeys { name description kinds customized settings { enabled delayDays reminderDays
  categoryDelays { category days } delayThresholdHours stallHours minGapMinutes } } }`

// journeyJSON mirrors a Journey.
type journeyJSON struct {
	Name, Description string
	Kinds             []string
	Customized        bool
	Settings          struct {
		Enabled                                                  bool
		DelayDays, ReminderDays, DelayThresholdHours, StallHours *int
		CategoryDelays                                           []struct {
			Category string
			Days     int
		}
		MinGapMinutes int
	}
}

// journeysOf reads the journeys as staff, by name.
func (s *testServer) journeysOf(t *testing.T) map[string]journeyJSON {
	t.Helper()
	var out struct{ Journeys []journeyJSON }
	s.GQL(t, s.Token(t, auth.RoleAdmin, ""), journeysQuery, nil).MustOK(t, &out)
	by := map[string]journeyJSON{}
	for _, j := range out.Journeys {
		by[j.Name] = j
	}
	return by
}

// TestJourneySettingsAPI: staff list the journeys with their defaults and
// change them; bad values are INVALID_INPUT and change nothing; customers
// are FORBIDDEN.
func TestJourneySettingsAPI(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, "smtp://127.0.0.1:1")
		admin, mina := s.Token(t, auth.RoleAdmin, ""), s.Token(t, auth.RoleCustomer, "mina@example.com")

		js := s.journeysOf(t)
		ship, rev := js[notify.JourneyShipping], js[notify.JourneyReview]
		if _, ok := js[notify.JourneyOrderConfirmation]; !ok || ship.Name == "" || rev.Name == "" {
			t.Fatalf("journeys %v lack the confirmation, shipping or review journey", js)
		}
		if !ship.Settings.Enabled || ship.Customized || *ship.Settings.DelayThresholdHours != notify.DefaultDelayThresholdHours ||
			*ship.Settings.StallHours != notify.DefaultStallHours || ship.Settings.DelayDays != nil || ship.Settings.CategoryDelays != nil {
			t.Errorf("shipping defaults: %+v", ship)
		}
		if *rev.Settings.DelayDays != notify.DefaultReviewDelayDays || *rev.Settings.ReminderDays != notify.DefaultReviewReminderDays ||
			rev.Settings.StallHours != nil || len(rev.Settings.CategoryDelays) != 0 || len(rev.Kinds) != 2 {
			t.Errorf("review defaults: %+v", rev)
		}

		s.GQL(t, mina, journeysQuery, nil).MustCode(t, "FORBIDDEN")
		s.GQL(t, mina, updateJourneyMutation, map[string]any{"input": map[string]any{"name": notify.JourneyReview, "enabled": false}}).
			MustCode(t, "FORBIDDEN")
		for _, bad := range []map[string]any{
			{"name": "no_such_journey", "enabled": false},
			{"name": notify.JourneyReview, "delayDays": -1},
			{"name": notify.JourneyReview, "delayDays": 366},
			{"name": notify.JourneyReview, "reminderDays": 0},
			{"name": notify.JourneyReview, "stallHours": 12},
			{"name": notify.JourneyShipping, "delayDays": 3},
			{"name": notify.JourneyShipping, "stallHours": 0},
			{"name": notify.JourneyShipping, "delayThresholdHours": 721},
			{"name": notify.JourneyShipping, "minGapMinutes": -5},
			{"name": notify.JourneyShipping, "categoryDelays": []any{}},
			{"name": notify.JourneyReview, "enabled": false, "categoryDelays": []any{
				map[string]any{"category": "Coffee", "days": 3}, map[string]any{"category": "coffee ", "days": 4}}},
			{"name": notify.JourneyReview, "categoryDelays": []any{map[string]any{"category": " ", "days": 3}}},
			{"name": notify.JourneyReview, "categoryDelays": []any{map[string]any{"category": "Coffee", "days": 400}}},
		} {
			s.GQL(t, admin, updateJourneyMutation, map[string]any{"input": bad}).MustCode(t, "INVALID_INPUT")
		}
		if js := s.journeysOf(t); js[notify.JourneyReview].Customized || !js[notify.JourneyReview].Settings.Enabled {
			t.Fatalf("a refused update changed the review journey: %+v", js[notify.JourneyReview])
		}

		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "delayDays": 10, "minGapMinutes": 60,
			"categoryDelays": []any{map[string]any{"category": "Mattress", "days": 30}}})
		// A second update changes only what it names.
		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "enabled": false})
		s.setJourney(t, map[string]any{"name": notify.JourneyShipping, "stallHours": 72, "delayThresholdHours": 12})
		js = s.journeysOf(t)
		rev, ship = js[notify.JourneyReview], js[notify.JourneyShipping]
		if !rev.Customized || rev.Settings.Enabled || *rev.Settings.DelayDays != 10 || rev.Settings.MinGapMinutes != 60 ||
			*rev.Settings.ReminderDays != notify.DefaultReviewReminderDays || len(rev.Settings.CategoryDelays) != 1 ||
			rev.Settings.CategoryDelays[0].Category != "mattress" || rev.Settings.CategoryDelays[0].Days != 30 {
			t.Errorf("review journey after two updates: %+v", rev)
		}
		if !ship.Settings.Enabled || *ship.Settings.StallHours != 72 || *ship.Settings.DelayThresholdHours != 12 {
			t.Errorf("shipping journey after its update: %+v", ship)
		}
		// An empty list removes the category delays.
		s.setJourney(t, map[string]any{"name": notify.JourneyReview, "categoryDelays": []any{}})
		if got := s.journeysOf(t)[notify.JourneyReview].Settings.CategoryDelays; len(got) != 0 {
			t.Errorf("category delays after an empty list: %v", got)
		}
	})
}
