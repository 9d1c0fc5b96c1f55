// Package storetest is the one conformance suite for store.Store: every backend's tests call
// Run with a function that opens a fresh, migrated, empty store, and a backend is correct
// when the suite passes (house rule 2, after dex's storage/conformance).
//
// The suite is written against the store interfaces only. Each aggregate has its own file
// with one entry function (schema.go: testSchema, keys.go: testKeys, ...) that Run calls,
// and more files named after it when its cases outgrow one (users.go runs the cases of
// browser_sessions.go too); a new aggregate adds a file and one line to Run. Every test opens its own store, so tests
// run in parallel and never see each other's rows.
//
// Contract details the suite pins down for all backends:
//   - timestamps come back in UTC, truncated to whole milliseconds;
//   - list methods return rows in the order their interface names, which is not always
//     the age: Keys.List oldest first, Clients.List by ID and Users.List by username (both
//     in byte order, whatever the database's collation), Sessions.ListActiveByUser,
//     BrowserSessions.ListActiveByUser and RegistrationTokens.List newest first (ties by ID,
//     descending, in byte order);
//   - sentinel errors (store.ErrConflict, store.ErrNotFound) match with errors.Is;
//   - input that no backend can store exactly (an empty key, NUL, invalid UTF-8) is a plain
//     error on write and simply not found on lookup (the rules are in store/validate.go).
package storetest
