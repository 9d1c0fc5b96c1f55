// Package store is mxauth's persistence contract: one small interface per aggregate and the
// sentinel errors every backend returns. The backends (store/sqlite, store/postgres)
// implement it and prove it with the shared conformance suite in store/storetest. Only
// internal/app picks a backend; every other package sees these interfaces.
//
// The package also holds, once, what both backends must do alike and what does not depend
// on the SQL dialect, so that the two cannot drift apart: the input rules every write and
// lookup checks (validate.go), the stored form of a client (clientjson.go), Refresh's
// choice between a retry and a replay (refresh.go), and how a batch of session activity
// folds into one write per session (SummarizeActivity, sessions.go). SQL and driver types
// stay in the backends.
package store
