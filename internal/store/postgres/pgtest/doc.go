// Package pgtest gives tests a private PostgreSQL schema on the server named by
// MXAUTH_TEST_POSTGRES_DSN, and skips them, saying why, when it is not set. .ci/run sets it
// to a throwaway server started with pg_virtualenv, so the PostgreSQL tests always run in CI.
package pgtest
