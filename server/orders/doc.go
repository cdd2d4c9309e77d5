// Package orders owns orders: importing them from the store platform
// (idempotently, by the platform's id), deriving each order's status from
// its shipments, and reading the order status screen (LoadStatus).
//
// Its rules: an import never loses data a shipment depends on (a shipped line
// cannot be removed or reduced below what shipped); amounts are exact decimal
// strings in the order's currency; an identical re-import writes nothing.
//
// The order status screen ("where is my order?") is the most frequent read
// aftercart serves, so it has a loader of its own (statusload.go,
// statusload_pg.go): the order, its customer, items, products, shipments
// and each shipment's newest events in one statement on Postgres (two on
// SQLite), privacy applied by ent's policies on the statements' roots. The
// GraphQL layer decides from the selection whether the loader can serve it
// (graph/orderstatus.go builds the StatusPlan) and renders what it loaded;
// ORDERSTATUS_BENCHMARKS.md measures the whole path.
package orders
