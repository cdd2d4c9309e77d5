package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// BenchmarkPostAdded is BenchmarkFanout for the community's postAdded
// (issue 11): N websocket subscribers (-subscribers, default 10,000) follow
// one topic of a server running as a separate process, and each measured
// event is a post published at once in that topic, by a trusted customer,
// through createPost. It reports what BenchmarkFanout reports, with the
// same machinery (runFanout, see server/live/BENCHMARKS.md): KB of server
// RSS per idle subscription, and p50/p99 from commit to receipt.
//
// "Commit" is the post's publishedAt as the server returns it: taken in
// the writing transaction just before its insert, so a little before the
// commit, which makes the figures a slightly pessimistic bound.
//
// Subscribers use a staff token, as BenchmarkFanout's do: a customer may
// hold only graph.MaxConnectionsPerViewer sockets. The feed's Filter is the
// same for every viewer, so the cost of a delivery is the same.
//
//	go test ./server/ -run '^$' -bench BenchmarkPostAdded -benchtime 1x -timeout 30m -subscribers 1000
func BenchmarkPostAdded(b *testing.B) {
	n := *fanoutSubscribers
	if n < 1 {
		b.Fatalf("-subscribers %d: need at least one", n)
	}
	b.Run(fmt.Sprintf("db=%s/subscribers=%d", *fanoutDB, n), func(b *testing.B) {
		raiseNoFile(b, n)
		srv := startFanoutServer(b, benchDBURL(b), *fanoutProfile)
		srv.commitIs = "from the post's publishedAt, taken in its transaction"
		fx := srv.postFixture(b, *fanoutRounds+40)
		runFanout(b, "BenchmarkPostAdded", srv, n, func(n int) *fanoutHarness { return newPostAddedHarness(srv, fx, n) })
	})
}

// postAddedSubscriptionBench is the contract's CommunityPosts, on one topic.
const postAddedSubscriptionBench = `subscription CommunityPosts($topic: String, $after: String) {
  postAdded(topic: $topic, after: $after) { cursor post { id body topic { slug } author { displayName } } }
}`

// postFixture is the topic everyone follows and the authors who post in it.
type postFixture struct {
	topic      string
	staffToken string
	// authors are trusted customers' tokens; each writes postsPerAuthor
	// posts, under the per-customer posting limit.
	authors []string
}

// postsPerAuthor stays under community.DefaultLimits' burst.
const postsPerAuthor = 4

// postFixture makes a topic and enough trusted authors for posts posts,
// through the API: staff create the topic, an integration imports an order
// per author (which creates the customer), staff set each author TRUSTED.
func (s *fanoutServer) postFixture(b testing.TB, posts int) postFixture {
	integration, err := s.issuer.Issue(auth.RoleIntegration, "", 2*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := s.issuer.Issue(auth.RoleAdmin, "", 6*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	fx := postFixture{topic: "unboxing", staffToken: admin}
	s.gql(b, admin, `mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id } } }`,
		map[string]any{"input": map[string]any{"slug": fx.topic, "name": "Unboxing"}}).MustOK(b, nil)
	for i := range (posts + postsPerAuthor - 1) / postsPerAuthor {
		email := fmt.Sprintf("author%d@example.com", i)
		var imported struct {
			ImportOrder struct {
				Order struct{ Customer struct{ ID string } }
			}
		}
		s.gql(b, integration, `mutation Import($input: ImportOrderInput!) { importOrder(input: $input) { order { customer { id } } } }`,
			testserver.ImportOrderVars(testserver.OrderSpec{Email: email, Number: fmt.Sprintf("PA-%d", i), Items: 1})).MustOK(b, &imported)
		s.gql(b, admin, `mutation($input: SetCommunityTrustInput!) { setCommunityTrust(input: $input) { trust } }`,
			map[string]any{"input": map[string]any{"customerId": imported.ImportOrder.Order.Customer.ID, "trust": "TRUSTED"}}).MustOK(b, nil)
		tok, err := s.issuer.Issue(auth.RoleCustomer, email, 6*time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		fx.authors = append(fx.authors, tok)
	}
	return fx
}

// post publishes a post whose body is id and returns when the request was
// sent, the post's publishedAt and when the answer arrived.
func (s *fanoutServer) post(b testing.TB, fx postFixture, id string) (sent, committed, ok time.Time) {
	k := int(s.seq.Add(1) - 1)
	if k/postsPerAuthor >= len(fx.authors) {
		b.Fatalf("post %d: the fixture has authors for %d posts", k, len(fx.authors)*postsPerAuthor)
	}
	var out struct {
		CreatePost struct {
			Post struct {
				Status      string
				PublishedAt time.Time
			}
		}
	}
	sent = time.Now()
	r := s.gql(b, fx.authors[k/postsPerAuthor], `mutation($input: CreatePostInput!) { createPost(input: $input) { post { status publishedAt } } }`,
		map[string]any{"input": map[string]any{"topic": fx.topic, "body": id}})
	ok = time.Now()
	r.MustOK(b, &out)
	if p := out.CreatePost.Post; p.Status != "PUBLISHED" || p.PublishedAt.IsZero() {
		b.Fatalf("post %s: %+v, want it published at once", id, p)
	}
	return sent, out.CreatePost.Post.PublishedAt, ok
}

// newPostAddedHarness is n subscribers of postAdded on fx's topic.
func newPostAddedHarness(srv *fanoutServer, fx postFixture, n int) *fanoutHarness {
	return &fanoutHarness{
		srv:     srv,
		trigger: func(b testing.TB, id string) (time.Time, time.Time, time.Time) { return srv.post(b, fx, id) },
		marker:  func(id string) []byte { return []byte(`"body":"` + id + `"`) },
		wsURL:   "ws" + strings.TrimPrefix(srv.url, "http") + "/query",
		init:    testserver.MustJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + fx.staffToken}}),
		sub: testserver.MustJSON(testserver.WSMessage{ID: "1", Type: "subscribe", Payload: testserver.MustJSON(map[string]any{
			"query": postAddedSubscriptionBench, "variables": map[string]any{"topic": fx.topic}})}),
		clients: make([]*benchConn, n),
	}
}
