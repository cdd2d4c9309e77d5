package demo

import (
	"time"

	"github.com/aftercart/aftercart/ent/schema/types"
)

// commentPlan is one demo comment: who, on which post (its key in
// demoPosts), replying to which comment (its key here; empty for a
// top-level one), and when (ago, before the seed's now).
type commentPlan struct {
	key, email, post, parent, body string
	ago                            time.Duration
}

// day keeps the plans below readable.
const day = 24 * time.Hour

// demoComments are the conversations under the posts, each written after
// its post and its parent. Mina, Leo and Sofia are trusted (a delivered
// order), so theirs publish at once; Leo's are all older than staff
// hiding his sale post, after which the rule would hold them. Jonas's
// question waits in the moderation queue beside his post, so the queue
// holds a comment too and his post page shows it "waiting for approval"
// to him alone.
var demoComments = []commentPlan{
	{key: "sofia-roast", email: SofiaEmail, post: "leo-unboxing", ago: 10 * day,
		body: "Four days from roast to door is impressive. Did you let it rest before pulling shots?"},
	{key: "leo-rest", email: OtherCustomerEmail, post: "leo-unboxing", parent: "sofia-roast", ago: 10*day - 2*time.Hour,
		body: "A week in the bag, then it really opened up. On day four it was a bit sour."},
	{key: "mina-box", email: DemoCustomerEmail, post: "leo-unboxing", ago: 9 * day,
		body: "The double box is why I order the kilo bags here. Mine came through a Berlin heatwave just fine."},
	{key: "sofia-bloom", email: SofiaEmail, post: "mina-v60", ago: 5*day + 20*time.Hour,
		body: "Tried your recipe this morning: the 45 s bloom made the difference. Mine ran to 3:20, so I went a notch coarser."},
	{key: "mina-coarser", email: DemoCustomerEmail, post: "mina-v60", parent: "sofia-bloom", ago: 5*day + 18*time.Hour,
		body: "Yes, one notch coarser is right with 94 °C water. Glad it worked!"},
	{key: "leo-rinse", email: OtherCustomerEmail, post: "mina-v60", ago: 4 * day,
		body: "Rinsing the filter: can confirm. Skipped it once, never again."},
	{key: "mina-oat", email: DemoCustomerEmail, post: "sofia-chai", ago: 4*day + 12*time.Hour,
		body: "Made this last night with oat milk: it splits if you boil it twice, once is enough."},
	{key: "sofia-barista", email: SofiaEmail, post: "sofia-chai", parent: "mina-oat", ago: 4*day + 10*time.Hour,
		body: "Good to know! Barista oat milk holds up better for me."},
	{key: "mina-tonic", email: DemoCustomerEmail, post: "leo-tonic", ago: 2*day + 20*time.Hour,
		body: "Tried it with the Yirgacheffe instead: lighter, very summery."},
	{key: "leo-citric", email: OtherCustomerEmail, post: "sofia-descale", ago: 2 * day,
		body: "Same here in Munich. Citric acid works too when you run out of tablets."},
	{key: "sofia-rim", email: SofiaEmail, post: "mina-mug", ago: 20 * time.Hour,
		body: "That rim colour! Which size is it, the 350 ml?"},
	{key: "mina-size", email: DemoCustomerEmail, post: "mina-mug", parent: "sofia-rim", ago: 19 * time.Hour,
		body: "The 350 ml: exactly a flat white with a bit of foam on top."},
	{key: "jonas-kettle", email: NewCustomerEmail, post: "mina-v60", ago: 2 * time.Hour,
		body: "Saving this for when my V60 arrives. Is 94 °C just off the boil?"},
}

// reactionPlan is one demo reaction: who left which kind on which post,
// and when.
type reactionPlan struct {
	email, post string
	kind        types.ReactionKind
	ago         time.Duration
}

// demoReactions give every published post a few reactions from the
// others, so the counts per kind differ from post to post; Mina's own
// (the demo session's) show highlighted on her page.
var demoReactions = []reactionPlan{
	{DemoCustomerEmail, "leo-unboxing", types.ReactionLike, 10 * day},
	{SofiaEmail, "leo-unboxing", types.ReactionLike, 10 * day},
	{SofiaEmail, "leo-unboxing", types.ReactionHelpful, 10 * day},
	{OtherCustomerEmail, "mina-v60", types.ReactionHelpful, 5*day + 22*time.Hour},
	{SofiaEmail, "mina-v60", types.ReactionHelpful, 5*day + 20*time.Hour},
	{SofiaEmail, "mina-v60", types.ReactionLove, 5*day + 20*time.Hour},
	{NewCustomerEmail, "mina-v60", types.ReactionHelpful, 2 * time.Hour},
	{DemoCustomerEmail, "sofia-chai", types.ReactionLove, 4*day + 12*time.Hour},
	{OtherCustomerEmail, "sofia-chai", types.ReactionLike, 4 * day},
	{DemoCustomerEmail, "leo-tonic", types.ReactionLike, 2*day + 20*time.Hour},
	{SofiaEmail, "leo-tonic", types.ReactionLove, 2*day + 12*time.Hour},
	{DemoCustomerEmail, "sofia-descale", types.ReactionHelpful, 2 * day},
	{OtherCustomerEmail, "sofia-descale", types.ReactionHelpful, 2 * day},
	{SofiaEmail, "mina-mug", types.ReactionLove, 20 * time.Hour},
	{OtherCustomerEmail, "mina-mug", types.ReactionLike, 18 * time.Hour},
}
