// Package livetest helps test live feeds through the engine's public API:
// a Target outside any transport, and CommitOrder, the check every feed
// runs on Postgres to prove that its cursors follow commit order (see
// package live). It is imported by tests only.
package livetest
