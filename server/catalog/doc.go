// Package catalog is what staff set on products for the after-purchase
// journeys of issue 13 (server/notify's REPLENISHMENT and CONTENT):
//
//   - a product's care or how-to content: a link (http or https, at most
//     2048 bytes) and a short text beside it (at most 1000 bytes; only
//     with a link);
//   - per category, the same content (CategoryContent), sent for products
//     without content of their own;
//   - a consumable's reorder interval (days one unit lasts; the import
//     sets it too, as the store platform knows it);
//   - the complements suggested beside a product (at most 10, existing,
//     never the product itself; one-way: staff set each direction).
//
// Every write is staff only (FORBIDDEN for customers, below GraphQL in
// ent's privacy policy too), checks all of its input before it writes
// anything (INVALID_INPUT naming the field) and runs in one transaction,
// so nothing is ever half-written. Products are public, and so is what
// is set here: it is what customers are sent.
package catalog
