// Package doctor owns `mxauth doctor`: it checks a Matrix deployment from the outside, as a
// client and the homeserver see it, and says how to fix what is wrong.
//
// The checks (Run) are the client discovery chain of the Matrix Client-Server API (the
// client well-known, /versions, /auth_metadata with every field v1.15 requires), the reverse
// proxy routing MAS-style delegation needs (SYNAPSE.md §1.1: /login, /logout and /refresh go
// to mxauth, recognised by the X-Mxauth header mxauth sets under /_matrix/), Synapse's
// acceptance of the shared secret (SYNAPSE.md §1.3) and https on the public URLs. Each check
// is one Result; a failure never hides the others, and a check that needs an earlier one's
// answer says it was skipped. Given only a homeserver, it checks any homeserver's OAuth 2.0
// discovery, whoever the authorization server is.
//
// It imports nothing of mxauth: it speaks only HTTP, with a timeout on every call and a cap
// on every body it reads.
package doctor
