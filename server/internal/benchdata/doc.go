// Package benchdata loads a large, realistic order-tracking dataset into an
// empty, migrated aftercart Postgres database, through SQL alone, in seconds.
//
// Benchmarks of the hot read path (BenchmarkOrderStatus, see
// server/orders/ORDERSTATUS_BENCHMARKS.md) need a database the size of a real store:
// at scale 1, 10,000 customers, 100,000 orders, 300,000 order items,
// 120,000 shipments and about 3,000,000 tracking events. Importing that
// through the API would take hours; generate_series takes under a minute.
//
// The rows respect everything the schema says (NOT NULL, unique keys,
// foreign keys, ent's global id ranges: each table's ids start at its
// identity column's START WITH, which is where ent's sql/globalid puts that
// type's range) and what the application derives (an order's status and
// totals from its items and shipments, a shipment's status and dates from its
// events, tracking URLs from the carrier), so the server reads them as if
// they had been imported. Secondary indexes and foreign keys are dropped
// while loading and recreated from their own definitions afterwards, which
// validates every foreign key and leaves the schema exactly as the
// migrations built it (Load checks that).
//
// Two orders exist for the per-shipment-cost case: each has three items and
// one in-transit shipment, one with 2,025 tracking events and one with 25
// (Dataset.BigEventsOrder, Dataset.SmallEventsOrder).
//
// The change log (shipment_changes) is left empty: only live subscriptions
// read it, never a query.
package benchdata
