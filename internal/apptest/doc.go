// Package apptest runs the whole mxauth app in-process for end-to-end tests: real HTTP on a
// loopback httptest server, a real SQLite database in a temporary directory (or PostgreSQL),
// the public URL set to the test server's own address.
package apptest
