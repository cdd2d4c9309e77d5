// Package ent is aftercart's generated data-access layer. Everything in this
// directory except schema/, template/ (aftercart's own entc templates),
// entc.go and generate.go is generated: edit the schemas under schema/ and
// run `go generate ./ent`.
package ent

// Order matters: entc (with entgql) writes schema/ent.graphql, which gqlgen reads.
//go:generate go run -mod=mod entc.go
//go:generate sh -c "cd .. && go tool gqlgen generate"
