// Package db opens aftercart's database — the embedded SQLite file by default,
// PostgreSQL when a postgres:// URL is configured — migrates its schema and
// runs transactions with the locking each dialect needs.
//
// Migrations differ by dialect, on purpose. The embedded SQLite file serves
// one process and is migrated on open by ent's automatic migration. PostgreSQL
// is what production runs, where a schema change must be reviewed, repeatable
// and recorded: it is migrated with the versioned files in migrations/
// (Atlas format, checked against atlas.sum), applied in order at start under
// an advisory lock, each file in one transaction, each applied file recorded
// in atlas_schema_revisions. The files are written by
// `go run ./server/db/newmigration <name>` from the ent schema, and a test
// fails when they stop building exactly that schema.
//
// A Postgres database created before versioned migrations (by ent's automatic
// migration, up to 66d848c) has tables but no revisions. It is adopted only
// if its schema is exactly what the first migration file (BaselineVersion)
// builds: then that file is recorded as a baseline, not run, and later files
// apply as usual. Anything else is refused with the differences, because
// running the files over an unknown schema could fail half-way or, worse,
// succeed on top of a schema the code does not expect.
package db
