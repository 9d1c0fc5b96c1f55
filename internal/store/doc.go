// Package store is mxauth's persistence contract: one small interface per aggregate, the
// sentinel errors every backend returns, and nothing else. The backends (store/sqlite,
// store/postgres) implement it and prove it with the shared conformance suite in
// store/storetest. Only internal/app picks a backend; every other package sees these
// interfaces.
package store
