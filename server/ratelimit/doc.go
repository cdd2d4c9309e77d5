// Package ratelimit limits how often one writer may do one kind of write
// (upload media; later: write reviews, reply, vote, post, flag), on top of
// the GraphQL cost budget (graph/cost), which bounds how much an operation
// reads but not how many rows and files a client may create.
//
// A [Limiter] is a token bucket per key (golang.org/x/time/rate): a writer
// may do Burst writes at once and gets one back every Every. A refused write
// is an *errs.Error with code THROTTLED and RetryAfter, which the GraphQL
// error presenter turns into extensions.retryAfter and a Retry-After header,
// as for the cost budget. Refused writes cost nothing.
//
// Buckets live in memory, per server instance, in an LRU (a writer evicted
// from it starts again with a full bucket): with N instances behind a load
// balancer a writer may get up to N times the rate. That bounds abuse, which
// is the point; an exact, shared count needs the database and is not worth a
// write per request. Time comes from a clockwork.Clock, so tests move it.
package ratelimit
