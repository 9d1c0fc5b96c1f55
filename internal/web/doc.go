// Package web is mxauth's HTTP core: the middleware every request passes through, and the
// adapters that turn a handler's error into a response.
//
// NewHandler wraps the application's http.ServeMux with, outermost first: panic recovery,
// a request id, the client IP (trusting X-Forwarded-For only from configured proxies), a
// request body cap, security headers, the access log and Prometheus metrics labelled by the
// matched route pattern, and Matrix-shaped 404/405 answers under /_matrix/. CORS adds
// cross-origin support computed from the mux's own routes. Handlers read what the middleware
// learnt through RequestID, ClientIP and Logger.
//
// Errors have one vocabulary per boundary, each mapped in one place (DESIGN.md house rule 5):
// protocol endpoints return errors to WriteOAuthError (RFC 6749 §5.2 JSON; *oauth2.Error
// picks the status), Matrix endpoints to WriteMatrixErrorFrom ({"errcode","error"}). Both log
// an unexpected cause once, with the request id, and never send it to the client.
//
// The stack is on the hot path of every request (discovery must reach 50k req/s on two
// cores), so it is one ServeHTTP rather than a chain of closures, allocates its per-request
// state once, and sets fixed headers from shared values.
//
// Protocol endpoints live in web/oauth, HTML pages in web/account, and so on; this package
// knows none of them.
package web
