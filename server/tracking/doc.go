// Package tracking owns shipments and their carrier timelines: creating a
// shipment for some of an order's items, and ingesting carrier checkpoints —
// through the GraphQL mutation or the signed webhook — idempotently and in
// any arrival order.
//
// Its rules: a checkpoint is stored once per (shipment, external id); the
// shipment's status is the newest checkpoint's by occurrence time, except that
// DELIVERED is terminal; every change to an order's shipments happens with the
// order row locked and re-derives the order's status in the same transaction.
package tracking
