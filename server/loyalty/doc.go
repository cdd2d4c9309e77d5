// Package loyalty is the loyalty program (issue 12): an exact points
// ledger, tiers by rolling spend, rewards redeemed for single-use checkout
// codes, and referrals. This file is the data model; rules.go holds the
// rules as pure functions, the rest applies them in transactions.
//
// # The ledger
//
// Every change of a customer's points is a LoyaltyEntry: a kind (ORDER,
// REVIEW, POST, REFERRAL, REDEEMED, EXPIRED, REVERSED, ADJUSTED,
// REFUNDED), signed points, a status, a reason, links to what caused it
// (order, review, post, reward code, item return, referral, the entry it
// reverses) and the staff actor for staff actions. Entries are never
// deleted and their points never change: a correction is a new entry.
// The only update an entry ever gets is the release of pending points
// (status PENDING → AVAILABLE, or → REVERSED for a reversal of pending
// points, see below).
//
// The status says which balance an entry counts in:
//
//	pending   = Σ points of PENDING entries
//	available = Σ points of AVAILABLE, SPENT and REVERSED entries
//
// SPENT marks a debit that consumed available points (REDEEMED, EXPIRED);
// REVERSED a reversal of points already available. A reversal of points
// still pending is itself PENDING, with the same available_at as the
// entry it reverses, and is released with it to REVERSED: the pending
// balance drops at once, and the available balance never sees the
// reversed share. Staff adjustments are AVAILABLE, either sign.
//
// Each customer has one LoyaltyAccount row holding both sums, updated in
// the transaction that writes the entries (Service.post, and the sweep's
// release, which moves pending to available, are its only writers). Debits of the available balance are guarded updates
// (UPDATE … SET available = available - n WHERE available >= n): of 1,000
// concurrent redemptions against a balance covering N, exactly N match;
// the rest are INSUFFICIENT_POINTS. CHECK (available >= 0) and CHECK
// (pending >= 0) are the database's backstop. A reversal never drives the
// available balance negative: when the customer already spent what a
// return takes back, the reversal takes what is available and its reason
// says how much could not be recovered.
//
// Every entry has a unique idempotency key naming its source
// ("order:42:earn", "return:7", "review:9:earn:0", "redeem:<code>"), so
// the same trigger replayed (a delivery webhook delivered three times, a
// moderation decision retried) credits once: the second insert violates
// the key and is a no-op, in the same transaction as everything else.
//
// # Earning
//
//   - Orders: when an order becomes DELIVERED, it earns
//     EarnedPoints(paid for its items, tier multiplier) PENDING until the
//     order's return window ends (orders' return_window_ends_at: the
//     delivery date plus the order's return_window_days, which the
//     -return-window-days flag defaults; the returns issue will add
//     per-store policies). "Paid for items" is the item lines minus the
//     order's discount, allocated to the lines in proportion (Allocate);
//     shipping and tax earn nothing. The tier multiplier is the one the
//     customer has when the order is delivered.
//   - Returns (ItemReturn, marked by staff until the returns issue records
//     them): each return reverses its share of the order's entry
//     (ReturnShare: the entry's points in proportion to the kept amount,
//     before minus after), so partial returns sum exactly to the whole and
//     rounding never creates or loses a point.
//   - Reviews: a verified review earns ReviewPoints when it becomes
//     PUBLISHED; a community post earns PostPoints when approved
//     (PUBLISHED). When moderation later takes it down (REJECTED or
//     HIDDEN) the net points for it are reversed; restoring it earns again.
//     The hook is the moderation trail: every status change of every kind
//     writes one ModerationDecision in its transaction, so loyalty listens
//     to that one place (an ent hook, Service.Register) rather than to
//     each kind's code paths.
//   - Orders are hooked the same way, at the order row's status update
//     (orders.Refresh is the one writer of it).
//   - An order that leaves DELIVERED (tracking makes DELIVERED terminal,
//     so a re-import that adds lines or cancels it) gives back what is
//     still pending of its earning at once: one PENDING reversal keyed
//     "undeliver:<entry>", released with the earning as a net zero. Its
//     next delivery earns anew ("order:42:earn:2", the lines, tier and
//     return window of then), and its returns take their share of that
//     ("return:7:earn:<entry>"). Points already AVAILABLE stand: what
//     changes an order after its window closed is for staff
//     (OrderUndelivered).
//
// # Time: the sweep
//
// Time-based rules run in Sweep(ctx, now), which a periodic job calls
// with the clock's now (server/jobs); it handles everything due and is
// idempotent, so running it twice or late changes nothing more:
//
//   - releases PENDING entries whose available_at ≤ now;
//   - expires the available points of accounts inactive for
//     Config.ExpireAfter (one EXPIRED entry per inactivity period);
//   - re-tiers accounts whose tier_review_at ≤ now (spend rolling off).
//
// # Tiers
//
// A tier is reached by qualifying spend over the rolling 12 months before
// now: the paid-for-items amount of orders delivered in the window, less
// returned items, in the program's currency (Config.Currency; orders in
// another currency earn points but no tier credit). TierFor picks the
// highest threshold reached; NextTier says what to spend to reach the
// next; KeepTier when the current tier would lapse as spend rolls off and
// what to spend before then to keep it. The account keeps the current tier
// and the next roll-off date (tier_review_at) so the sweep finds accounts
// to re-tier by index.
//
// # Rewards and codes
//
// Redeeming a reward debits its cost (guarded) and issues a RewardCode: 16
// characters from crypto/rand over an alphabet without look-alikes (80
// bits), with the reward's value, kind and an expiry. The store's checkout
// looks a code up and marks it used for an order with a guarded update
// (WHERE used_at IS NULL AND refunded_at IS NULL AND expires_at > now): of
// 100 concurrent uses exactly one wins. Staff refund an unused code (a
// REFUNDED entry gives the points back; the code is void).
//
// An imported order can carry the codes its checkout took
// (ImportOrderInput.rewardCodes): UseCodesWithOrder marks each used for
// that order in the import's transaction, through the same guarded
// update. A code the program refuses (unknown, expired, refunded, used
// for another order) fails the whole import rather than importing the
// order and reporting the code: the store must not ship an order with a
// discount it was not entitled to without hearing of it, and a refused
// import is retried after a fix, whereas a silently imported one is not.
// The same order re-imported with its codes is a no-op (used_order_id).
//
// # Referrals
//
// Each account gets a referral code on first use (8 symbols of the code
// alphabet); a Referral links the referrer and the friend (one per
// friend) with a status (PENDING, COMPLETE, HELD, CANCELED). Referrals
// (referral*.go) is the program: the friend claims a code before their
// first order, or the store passes it with that order (importOrder); the
// "referrals" sweeper pays both sides (REFERRAL entries, AVAILABLE, keyed
// per referral and side) once the first order is delivered and its return
// window has closed; a return or a cancel of that order voids it. The
// fraud checks (HoldReasons: same mailbox, same normalized address, same
// card last four + name, the weekly cap) run when a referral is due and
// HOLD it for staff, who release (paid then) or cancel it with a reason.
//
// # Messages
//
// The program tells the outbox of its news through interfaces set at
// assembly, in the transaction of the cause (so it never imports
// server/notify, which reads the program's rows): ReferralNotifier when a
// referral completes; Notifier (notifier.go) when a release makes pending
// points available, when a recomputation of the tier moves the customer
// up, and on every recomputation, when their tier would lapse (KeepTier's
// date). LapseOf answers the outbox's question, when a lapse warning is
// due, whether the customer bought enough meanwhile.
//
// # Live
//
// Every transaction that changes an account writes a LoyaltyChange row
// under the account's row lock (ids per customer in commit order, as
// server/live's contract requires), for the loyaltyUpdated feed.
package loyalty
