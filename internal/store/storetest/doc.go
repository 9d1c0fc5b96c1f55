// Package storetest is the one conformance suite for store.Store: every backend's tests call
// Run with a function that opens a fresh, migrated, empty store, and a backend is correct
// when the suite passes (house rule 2, after dex's storage/conformance).
//
// The suite is written against the store interfaces only. Each aggregate has its own file
// with one entry function (schema.go: testSchema, keys.go: testKeys, ...) that Run calls;
// a new aggregate adds a file and one line to Run. Every test opens its own store, so tests
// run in parallel and never see each other's rows.
//
// Contract details the suite pins down for all backends:
//   - timestamps come back in UTC, truncated to whole milliseconds;
//   - List-style methods return rows oldest first;
//   - sentinel errors (store.ErrConflict, store.ErrNotFound) match with errors.Is.
package storetest
