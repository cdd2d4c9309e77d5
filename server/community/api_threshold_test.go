package community_test

import (
	"testing"

	"github.com/aftercart/aftercart/server/app"
)

// TestFlagThresholdIsConfigured: app.Config.FlagThreshold (-flag-threshold)
// reaches the flag rule: at 2, one newcomer's flag (weight 1) leaves a
// post up and a second hides it; the default (3) would have kept it.
func TestFlagThresholdIsConfigured(t *testing.T) {
	s := mustServer(t, "", manyPosts, func(c *app.Config) { c.FlagThreshold = 2 })
	sh := s.Shop(t)
	s.communityTopics(t, sh.Admin)
	p := s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": "Flag me"})
	status := func() string {
		var n struct{ Node struct{ Status string } }
		s.GQL(t, sh.Admin, `query($id: ID!) { node(id: $id) { ... on Post { status } } }`, map[string]any{"id": p.ID}).MustOK(t, &n)
		return n.Node.Status
	}
	flag := func(token string) {
		s.GQL(t, token, flagMutation, map[string]any{"input": map[string]any{"itemId": p.ID, "reason": "SPAM"}}).MustOK(t, nil)
	}
	flag(sh.Leo)
	if got := status(); got != "PUBLISHED" {
		t.Fatalf("after one flag of weight 1: %s", got)
	}
	flag(sh.Ana)
	if got := status(); got != "HIDDEN" {
		t.Fatalf("after two flags at threshold 2: %s, want HIDDEN", got)
	}
	s.GQL(t, sh.Ana, nodeQuery, map[string]any{"id": p.ID}).MustCode(t, "NOT_FOUND")
}
