// Package demo fills an empty development database with a believable store,
// "Northwind Roasters & Goods", so the demo clients have something to show
// the moment the server starts.
//
// The data is the story the demos tell: the customer DemoCustomerEmail (Mina)
// has an order in every state an order can be in — delivered with its return
// window running, in transit with a slipped delivery estimate (the order the
// mobile demo opens, InTransitOrderNumber), partially shipped, out for
// delivery, held in customs, just paid and canceled — and a second customer,
// OtherCustomerEmail (Leo), owns orders Mina must never see, which is what
// the authorization demo needs.
//
// Seed writes only through orders.Service and tracking.Service, never with
// raw ent creates, so the demo data passes the same validation and gets its
// statuses, dates and return windows derived by the same code as a real
// import; a demo that looks right then also proves those paths work. Every
// timestamp is relative to the time Seed is given, so the demo always looks
// current: an order is "placed three days ago" whenever the server starts.
//
// Each catalog product has a hand-drawn SVG in images/, embedded in the
// binary and served by Images under ImagePrefix; the seeded imageUrl is that
// root-relative path (see ImagePrefix for why not an absolute URL), so the
// demo shows its products offline.
//
// SeedReviews adds reviews by Mina and Leo through the reviews service (so
// the publishing rule decides their status), two answered by the store, and
// attaches photos to the published ones: JPEGs in photos/, drawn by
// photos/generate.go (`go generate ./server/demo`), embedded in the binary
// and uploaded through the media service like any customer's photo.
//
// SeedCommunity adds the community (issue 11): four topics, and posts by
// Mina, Leo and two community members (Sofia, with a delivered order, and
// Jonas, NewCustomerEmail, whose first order has not shipped), written
// through the community service as their authors so that the trust rule
// decides: Jonas's post waits in the moderation queue, one of Leo's is
// hidden by staff. Posts carry photos from photos/ and product tags, and
// the published ones comments (a few with replies) and reactions; Jonas's
// question under Mina's V60 post waits in the queue too.
//
// SeedLoyalty adds the loyalty story (issue 12): a rewards catalogue, two
// older orders of Mina's (AC-0987, AC-0994) delivered months ago, whose
// points are available and whose spend puts her in the second of the
// program's default tiers, one reward redeemed for a code and a staff
// goodwill adjustment, all written by the loyalty program itself (its
// order hook, Redeem, Adjust), so the ledger audits; AC-1000's points
// are pending until its return window closes.
//
// SessionHandler is the development session the demo pages sign in with
// without a pasted token; AdminSessionPath is where the admin SPA expects
// an ADMIN one.
package demo
