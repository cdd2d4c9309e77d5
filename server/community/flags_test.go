package community_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/flag"
	"github.com/aftercart/aftercart/ent/moderationdecision"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

func TestFlagWeight(t *testing.T) {
	for _, c := range []struct {
		up, rej int
		want    float64
	}{{0, 0, 1}, {1, 0, 4.0 / 3}, {2, 0, 1.5}, {100, 0, 202.0 / 102}, {0, 1, 2.0 / 3}, {0, 100, 2.0 / 102}, {3, 3, 1}} {
		if got := community.FlagWeight(c.up, c.rej); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("FlagWeight(%d, %d) = %v, want %v", c.up, c.rej, got, c.want)
		}
	}
	if !community.PassesThreshold(3*(2.0/3), 2) || community.PassesThreshold(2.99, 3) {
		t.Error("PassesThreshold")
	}
}

// flag flags item as ctx and fails the test on an error.
func (fx *fixture) flag(t *testing.T, ctx context.Context, item int) {
	t.Helper()
	if _, err := fx.svc.Flag(ctx, community.FlagInput{ItemID: item, Reason: types.FlagSpam}); err != nil {
		t.Fatalf("flag %d: %v", item, err)
	}
}

// queue is the queue as staff see it with filter f: "Type:reasons" per item.
func (fx *fixture) queue(t *testing.T, f *moderation.QueueFilter) (*moderation.QueueConnection, []string) {
	t.Helper()
	q, err := fx.mod.Queue(fx.staff, 100, nil, f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range q.Edges {
		var rs []string
		for _, r := range e.Reasons {
			rs = append(rs, string(r))
		}
		typ := "Post"
		if _, ok := e.Node.(*ent.Comment); ok {
			typ = "Comment"
		}
		out = append(out, typ+":"+strings.Join(rs, "+"))
	}
	return q, out
}

// TestWeightedFlags: three newcomers' flags hide a post at once (HIDDEN,
// flagged_at, an "auto" decision) and queue it with its flags; the
// author still sees it, nobody else. Clearing it (RESTORE) brings it back
// and lowers those flaggers' next weights, so three of them no longer
// hide the next post; upholding (REJECT, or HIDE on the hidden item)
// raises them, so two reliable flaggers suffice. Comments are flagged the
// same way, and flags on one's own content, twice, or OTHER without a
// note are refused.
func TestWeightedFlags(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		author := fx.mustTrusted(t, "Ana")
		var flaggers []context.Context
		var flaggerIDs []int
		for _, n := range []string{"Ben", "Cat", "Dan", "Eve"} {
			ctx, c := fx.customer(t, n)
			flaggers, flaggerIDs = append(flaggers, ctx), append(flaggerIDs, c.ID)
		}
		p := fx.post(t, author, "Buy followers at example.com")

		_, err := fx.svc.Flag(author, community.FlagInput{ItemID: p.ID, Reason: types.FlagSpam})
		wantCode(t, "flagging one's own post", err, errs.Forbidden)
		_, err = fx.svc.Flag(flaggers[0], community.FlagInput{ItemID: p.ID, Reason: types.FlagOther})
		wantCode(t, "OTHER without a note", err, errs.InvalidInput)
		note := "links to a scam"
		if _, err := fx.svc.Flag(flaggers[0], community.FlagInput{ItemID: p.ID, Reason: types.FlagOther, Note: &note}); err != nil {
			t.Fatal(err)
		}
		_, err = fx.svc.Flag(flaggers[0], community.FlagInput{ItemID: p.ID, Reason: types.FlagSpam})
		wantCode(t, "flagging twice", err, errs.Conflict)
		fx.flag(t, flaggers[1], p.ID)
		if got, _ := fx.d.Post.Get(fx.sys, p.ID); got.Status != types.ModerationPublished || got.FlagScore != 2 {
			t.Fatalf("two flags: %s score %v", got.Status, got.FlagScore)
		}
		fx.flag(t, flaggers[2], p.ID)
		got, _ := fx.d.Post.Get(fx.sys, p.ID)
		if got.Status != types.ModerationHidden || got.FlaggedAt == nil || got.FlagScore != 3 {
			t.Fatalf("three flags: %s flagged %v score %v", got.Status, got.FlaggedAt, got.FlagScore)
		}
		if _, err := fx.d.Post.Get(flaggers[3], p.ID); err == nil {
			t.Error("a hidden post reached another customer")
		}
		if _, err := fx.d.Post.Get(author, p.ID); err != nil {
			t.Errorf("the author lost their hidden post: %v", err)
		}
		auto := fx.d.ModerationDecision.Query().Where(moderationdecision.ItemID(p.ID), moderationdecision.Actor(moderation.AutoActor),
			moderationdecision.ToStatusEQ(types.ModerationHidden)).CountX(fx.sys)
		if auto != 1 {
			t.Errorf("%d auto decisions hid the post, want 1", auto)
		}
		_, err = fx.svc.Flag(flaggers[3], community.FlagInput{ItemID: p.ID, Reason: types.FlagSpam})
		wantCode(t, "flagging a hidden post", err, errs.NotFound)
		q, items := fx.queue(t, nil)
		if strings.Join(items, " ") != "Post:FLAGGED" || q.Counts.Flagged != 1 || len(q.Edges[0].Flags) != 3 ||
			q.Edges[0].Flags[0].Note == nil || *q.Edges[0].Flags[0].Note != note || q.Edges[0].Flags[0].Weight != 1 {
			t.Fatalf("queue %v, counts %+v", items, q.Counts)
		}

		// Staff clear it: back for everyone, the flags REJECTED, the three
		// flaggers' next weights lower.
		fx.moderate(t, p.ID, types.ModerationRestore)
		if got, err := fx.d.Post.Get(flaggers[3], p.ID); err != nil || got.FlaggedAt != nil || got.FlagScore != 0 {
			t.Fatalf("restored: %+v %v", got, err)
		}
		if n := fx.d.Flag.Query().Where(flag.ItemID(p.ID), flag.OutcomeEQ(types.FlagRejected)).CountX(fx.sys); n != 3 {
			t.Errorf("%d flags rejected, want 3", n)
		}
		if _, _, w, _ := fx.svc.FlaggerRecord(fx.staff, flaggerIDs[0]); math.Abs(w-2.0/3) > 1e-9 {
			t.Errorf("a cleared flagger's next weight %v, want 2/3", w)
		}
		if _, _, _, err := fx.svc.FlaggerRecord(flaggers[0], flaggerIDs[0]); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a customer reading flag records: %v", err)
		}
		p2 := fx.post(t, author, "Another post")
		for _, f := range flaggers[:3] {
			fx.flag(t, f, p2.ID)
		}
		if got, _ := fx.d.Post.Get(fx.sys, p2.ID); got.Status != types.ModerationPublished || math.Abs(got.FlagScore-2) > 1e-9 {
			t.Fatalf("three cleared flaggers: %s score %v", got.Status, got.FlagScore)
		}
		fx.flag(t, flaggers[3], p2.ID) // a newcomer's 1 passes 3
		if got, _ := fx.d.Post.Get(fx.sys, p2.ID); got.Status != types.ModerationHidden {
			t.Fatalf("2 + 1: %s", got.Status)
		}
		// Staff uphold by keeping it hidden: the flags are UPHELD and it
		// leaves the queue.
		fx.moderate(t, p2.ID, types.ModerationHide)
		if _, items := fx.queue(t, nil); len(items) != 0 {
			t.Errorf("after keeping it hidden the queue holds %v", items)
		}
		if n := fx.d.Flag.Query().Where(flag.ItemID(p2.ID), flag.OutcomeEQ(types.FlagUpheld)).CountX(fx.sys); n != 4 {
			t.Errorf("%d flags upheld, want 4", n)
		}

		// Comments: Eve (one upheld flag) and two more upheld make two
		// reliable flaggers enough.
		c := fx.comment(t, author, fx.post(t, fx.mustTrusted(t, "Fay"), "Third").ID, "Spam comment", nil)
		fx.flag(t, flaggers[3], c.ID)
		fx.flag(t, flaggers[0], c.ID)
		fx.flag(t, flaggers[1], c.ID)
		got2, _ := fx.d.Comment.Get(fx.sys, c.ID)
		if got2.Status != types.ModerationHidden || got2.FlaggedAt == nil {
			t.Fatalf("flagged comment: %s (score %v)", got2.Status, got2.FlagScore)
		}
		fx.moderate(t, c.ID, types.ModerationReject)
		if _, _, w, _ := fx.svc.FlaggerRecord(fx.staff, flaggerIDs[3]); math.Abs(w-1.5) > 1e-9 {
			t.Errorf("two upheld flags: next weight %v, want 1.5", w)
		}
	})
}

func (fx *fixture) mustTrusted(t *testing.T, name string) context.Context {
	ctx, _ := fx.trusted(t, name)
	return ctx
}

// TestQueueFilters: the queue holds pending posts and comments and
// flag-hidden items, filtered by kind, reason and age, with counts per
// reason.
func TestQueueFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		if _, err := fx.mod.AddWatchedWord(fx.staff, moderation.WatchedWordInput{Word: "refund", Action: types.WatchedRequireApproval}); err != nil {
			t.Fatal(err)
		}
		ana := fx.mustTrusted(t, "Ana")
		newbie, _ := fx.customer(t, "Nia")
		fx.post(t, newbie, "waiting post") // Post: PENDING_APPROVAL
		fx.clock.Advance(time.Hour)
		cutoff := fx.clock.Now()
		fx.clock.Advance(time.Hour)
		fx.post(t, ana, "refund please") // Post: PENDING_APPROVAL+WATCHED_WORD
		p := fx.post(t, ana, "fine post")
		fx.clock.Advance(time.Minute)
		fx.comment(t, newbie, p.ID, "waiting comment", nil) // Comment: PENDING_APPROVAL
		fx.clock.Advance(time.Minute)
		bad := fx.comment(t, ana, p.ID, "bad comment", nil)
		for _, n := range []string{"B", "C", "D"} {
			ctx, _ := fx.customer(t, n)
			fx.flag(t, ctx, bad.ID) // Comment: FLAGGED
		}
		for _, c := range []struct {
			f    *moderation.QueueFilter
			want string
		}{
			{nil, "Post:PENDING_APPROVAL Post:PENDING_APPROVAL+WATCHED_WORD Comment:PENDING_APPROVAL Comment:FLAGGED"},
			{&moderation.QueueFilter{Kinds: []moderation.ItemKind{"COMMENT"}}, "Comment:PENDING_APPROVAL Comment:FLAGGED"},
			{&moderation.QueueFilter{Reason: ptr(moderation.ReasonFlagged)}, "Comment:FLAGGED"},
			{&moderation.QueueFilter{Reason: ptr(moderation.ReasonWatchedWord)}, "Post:PENDING_APPROVAL+WATCHED_WORD"},
			{&moderation.QueueFilter{Kinds: []moderation.ItemKind{"POST"}, Reason: ptr(moderation.ReasonPendingApproval)}, "Post:PENDING_APPROVAL Post:PENDING_APPROVAL+WATCHED_WORD"},
			{&moderation.QueueFilter{OlderThan: &cutoff}, "Post:PENDING_APPROVAL"},
		} {
			q, items := fx.queue(t, c.f)
			if got := strings.Join(items, " "); got != c.want || q.TotalCount != len(items) {
				t.Errorf("filter %+v: %q (total %d), want %q", c.f, got, q.TotalCount, c.want)
			}
		}
		q, _ := fx.queue(t, &moderation.QueueFilter{Kinds: []moderation.ItemKind{"POST", "COMMENT"}})
		if q.Counts != (moderation.QueueCounts{PendingApproval: 3, Flagged: 1, WatchedWord: 1}) {
			t.Errorf("counts %+v", q.Counts)
		}
		_, err := fx.mod.Queue(fx.staff, 10, nil, &moderation.QueueFilter{Kinds: []moderation.ItemKind{"ORDER"}})
		wantCode(t, "an unknown kind", err, errs.InvalidInput)
	})
}

func ptr[T any](v T) *T { return &v }

// TestModerationUsesTheClock: the moderation core dates what it writes by
// the app's clock: the "auto" decision of a flag hide when the flags
// passed the threshold, and, once the clock has moved on, the staff
// decision and the flags it settles (decided_at) at that later moment.
func TestModerationUsesTheClock(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		author := fx.mustTrusted(t, "Ana")
		p := fx.post(t, author, "Flag me")
		hiddenAt := fx.clock.Now()
		for _, n := range []string{"Ben", "Cat", "Dan"} {
			ctx, _ := fx.customer(t, n)
			fx.flag(t, ctx, p.ID)
		}
		fx.clock.Advance(5 * time.Hour)
		decidedAt := fx.clock.Now()
		fx.moderate(t, p.ID, types.ModerationRestore)

		ds := fx.d.ModerationDecision.Query().Where(moderationdecision.ItemID(p.ID)).
			Order(ent.Asc(moderationdecision.FieldID)).AllX(fx.sys)
		var got []string
		for _, d := range ds {
			got = append(got, d.Actor+"@"+d.CreatedAt.UTC().Format(time.RFC3339))
		}
		// The post's own publishing decision, the flag hide, staff's.
		want := []string{"auto@" + hiddenAt.Format(time.RFC3339), "auto@" + hiddenAt.Format(time.RFC3339), "admin@" + decidedAt.Format(time.RFC3339)}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("trail %v, want %v", got, want)
		}
		fs := fx.d.Flag.Query().Where(flag.ItemID(p.ID)).AllX(fx.sys)
		if len(fs) != 3 {
			t.Fatalf("%d flags", len(fs))
		}
		for _, f := range fs {
			if f.Outcome != types.FlagRejected || f.DecidedAt == nil || !f.DecidedAt.Equal(decidedAt) {
				t.Fatalf("flag %+v: want REJECTED, decided at %s", f, decidedAt)
			}
		}
	})
}
