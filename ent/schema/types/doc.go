// Package types holds the value types that aftercart's ent schemas store and
// its GraphQL API exposes directly: status enums shared by several entities,
// and small structured values kept as JSON columns (addresses, payment
// summaries).
//
// It is a leaf package (no aftercart imports) because both the generated ent
// code and the concept packages under server/ depend on it.
package types
