// Package reviews is product reviews: a customer rates a product (1-5
// stars, an optional title, a body), one review per customer per product,
// edits it (the edit time is shown) or deletes it; the store and the author
// reply in a thread that streams live (reviewReplyAdded, on the live
// engine); customers vote reviews helpful; staff feature reviews for a
// showcase and see the negative ones still waiting for a merchant reply.
//
// # Verified buyers
//
// A review is verified when its author has an order line of the product
// in a shipment the carrier reported DELIVERED. The order line is kept on
// the review and shown to the author and staff only. A store setting
// (Config.RequirePurchase, the -reviews-require-purchase flag) refuses
// reviews from customers without one.
//
// # Who sees what, and the publishing rule
//
// A review is PENDING, PUBLISHED, REJECTED (with a reason) or HIDDEN (the
// moderation core, server/moderation, owns the states and the staff
// decisions). Only PUBLISHED reviews reach anyone but their author and
// staff: in product lists, node(id:), nodes, totalCount, summaries, the
// showcase and the reply feed. The rule is enforced below GraphQL, by the
// ent privacy policy (ent/schema/rule.ScopeReviews), so no resolver can
// forget it.
//
// The publishing rule (InitialStatus): a verified review that matches no
// watched word needing approval is published at once; any other waits for
// staff. A watched word that blocks refuses the write.
//
// The rule never looks at the rating, on purpose. Holding back negative
// reviews while publishing positive ones at once is review suppression,
// which consumer-protection law forbids: the US Federal Trade Commission's
// 2024 rule on consumer reviews and testimonials (16 CFR Part 465, in
// force since October 2024) bans a business from suppressing reviews on
// the basis of their rating or negative sentiment, and from presenting the
// displayed reviews as all or most of those submitted while doing so. A
// store that moderates by rating misrepresents its products; aftercart
// makes it impossible by construction: nothing in the publishing rule or
// in staff actions depends on the stars, and rejecting needs a reason that
// the trail keeps. Negative reviews get their own list for staff
// (AwaitingReply), to answer them, not to hide them.
//
// # Limits
//
// Writing reviews, replies and votes is rate-limited per customer
// (server/ratelimit), on top of the query cost budget.
//
// # Media
//
// Reviews take up to MaxMedia ids of the author's uploads (server/media's
// uploadMedia). The review's transaction attaches them through media's
// Attach (an Attacher, Config.Media), in the order given: someone else's,
// an unknown or an already attached upload refuses the whole review.
// Media attached to a review are seen exactly as the review is (the media
// privacy rule, rule.ScopeMedia); lists eager-load a page's media in one
// statement. Deleting a review lets go of its media, which media's cleanup
// then deletes with their blobs. An edit's mediaIds replace the set (kept
// ones stay, new ones are attached, dropped ones let go).
package reviews
