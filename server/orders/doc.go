// Package orders owns orders: importing them from the store platform
// (idempotently, by the platform's id) and deriving each order's status from
// its shipments.
//
// Its rules: an import never loses data a shipment depends on (a shipped line
// cannot be removed or reduced below what shipped); amounts are exact decimal
// strings in the order's currency; an identical re-import writes nothing.
package orders
