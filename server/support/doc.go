// Package support is what aftercart knows of a customer's contacts with
// the store's support: the store's help desk reports each one
// (recordSupportContact, staff and integration tokens only) and it is
// kept as a SupportContact row (ent/schema/support_contact.go): who, about
// which order if known, by which channel, on what topic, when, with a
// short note and the help desk's own id.
//
// The rows are facts, never edited. The help desk names its ticket in
// externalId: recording the same ticket again returns the contact
// recorded first and writes nothing, so a help desk that retries a
// webhook or replays its history cannot double a customer's contacts.
//
// Readers: the order confirmation (server/notify) gives a customer who
// contacted support within notify.ReassuranceWindow the reassuring
// variant; "anxiety detection" (customers asking where their parcel is:
// topic DELIVERY) and the one customer timeline will read the same rows,
// by (customer, at), which is the table's index.
//
// Rules of the input: the customer by id or by email (one is required;
// both must name the same customer); an order, when given, must be that
// customer's; the time of the contact defaults to now and may not lie in
// the future (beyond a few minutes of clock skew) nor before 2000 (a
// help desk may backfill its history); the note is at most 2,000
// characters.
// Each broken rule is INVALID_INPUT naming the field, an unknown customer
// or order NOT_FOUND, and nothing is written.
package support
