// Package app assembles aftercart's server: the database and its migrations,
// the change broker, the live stream engine, the media bucket, the concept
// services, the GraphQL handler and the HTTP routes, the metrics and pprof
// listeners. New takes a Config, Run opens everything and starts serving,
// Close shuts it all down.
//
// It is a package of its own, not part of package main, so that tests of
// every concept can start the real server (see server/internal/testserver)
// and test themselves through the real API. Package main keeps what is
// about the command: flags and environment parsed into a Config, the
// subcommands, the garbage collector's tuning, and the development tokens
// printed at start-up.
package app
