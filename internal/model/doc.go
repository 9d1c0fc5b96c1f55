// Package model holds mxauth's entities and their state machines (signing keys now; users,
// clients, sessions, grants and tokens as the features that need them land). It does no I/O:
// it imports neither net/http nor database/sql, and a test in the repository root enforces it.
package model
