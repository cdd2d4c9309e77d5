// Package tracking owns shipments and their carrier timelines: creating a
// shipment for some of an order's items, and ingesting carrier checkpoints —
// through the GraphQL mutation or the signed webhook — idempotently and in
// any arrival order.
//
// Its rules: a checkpoint is stored once per (shipment, external id); the
// shipment's status is the newest checkpoint's by occurrence time, except that
// DELIVERED is terminal; every change to an order's shipments happens with the
// order row locked and re-derives the order's status in the same transaction.
//
// Every such change also writes a ShipmentChange row in that transaction, and
// the shipment feed (feed.go, on the server/live engine) streams an order's
// changes to shipmentUpdated subscribers. The order-row lock is what keeps an
// order's change ids in commit order, as the engine's contract requires.
package tracking
