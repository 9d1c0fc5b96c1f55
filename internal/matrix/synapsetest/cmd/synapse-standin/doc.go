// Command synapse-standin serves the Synapse stand-in (package synapsetest) on a TCP address,
// so that programs outside Go tests — the interop suite, interop/run.sh — see a complete
// homeserver: mxauth for OAuth 2.0 and the stand-in for the Matrix client API
// (/_matrix/client/versions, auth_metadata passed through from mxauth, /.well-known/matrix/client,
// whoami authenticated by introspection at mxauth) and the /_synapse/mas/* API mxauth
// provisions users and devices through (SYNAPSE.md §1).
//
//	synapse-standin --listen 127.0.0.1:8008 --server-name example.test \
//	    --secret-file ./shared-secret --mas http://127.0.0.1:8080/
//
// Once listening it prints "ready <base URL>" on standard output; it logs one line per request
// on standard error and stops on SIGTERM or interrupt. It keeps its state in memory only.
//
// Test support only: it is never a homeserver for real users.
package main
