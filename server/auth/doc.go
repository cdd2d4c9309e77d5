// Package auth says who is calling aftercart and proves it.
//
// A caller is a Viewer: a customer (identified by the email their orders were
// placed with), an admin, or an integration (a store or carrier system pushing
// data in). Viewers travel in the request context; the GraphQL layer and the
// privacy rules read them from there and never look at HTTP headers.
//
// Credentials are short-lived HS256 JWTs minted by an Issuer, either by the
// server itself or by the `server token` command, which share their secret
// through ResolveSecret. HTTP requests present them as a Bearer token (see
// Middleware); WebSocket subscriptions present them once, in the
// connection_init payload (see FromInitPayload), because browsers cannot set
// headers on a WebSocket upgrade.
//
// Trusted internal work that has no caller (demo seeding, webhook ingestion
// after its signature was checked) runs under WithSystem instead of a forged
// viewer, so it can never be mistaken for, or escalated into, a real one.
//
// auth is a leaf: it knows nothing about ent, GraphQL or any other aftercart
// concept except errs, so every other package may depend on it.
package auth
