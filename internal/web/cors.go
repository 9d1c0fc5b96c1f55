package web

import (
	"net/http"
	"strings"
)

// CORS policy. Every mxauth API is called from browser clients on other origins (Element Web
// fetches discovery, registration, token and revocation cross-origin; CLIENTS.md §7), and the
// Matrix CS API (§Web Browser Clients) asks for CORS on all requests. Nothing mxauth serves
// is authorised by cookies when CORS applies, and a "*" origin forbids credentials
// (Fetch standard §3.2.5), so allowing every origin exposes nothing a cookie would unlock.
var (
	anyOrigin = []string{"*"}
	// corsAllowHeaders is the Matrix CS API's list; together they cover bearer tokens and JSON
	// bodies. The list is fixed rather than echoing Access-Control-Request-Headers, so the
	// preflight answer does not depend on the request and needs no Vary.
	corsAllowHeaders = []string{"Authorization, Content-Type, X-Requested-With"}
	// corsMaxAge lets browsers cache a preflight for two hours, the most Chromium honours.
	corsMaxAge = []string{"7200"}
)

// probedMethods are the methods CORS asks the mux about when it answers OPTIONS. HEAD is
// included because a GET pattern serves it.
var probedMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
}

// CORS serves mux with cross-origin support for browser clients:
//
//   - every response carries Access-Control-Allow-Origin: *;
//   - an OPTIONS request to a path the mux routes is answered 204 by CORS itself, with
//     Allow and Access-Control-Allow-Methods listing exactly the methods the mux's patterns
//     accept there (plus OPTIONS), Access-Control-Allow-Headers and Access-Control-Max-Age.
//     No handler logic runs for it (Matrix CS API: "the server MUST NOT perform any logic
//     defined for the endpoints when approached with an OPTIONS request"). A plain OPTIONS
//     (not a preflight: no Origin or no Access-Control-Request-Method) still reaches a
//     pattern that accepts OPTIONS itself;
//   - an OPTIONS request to a path the mux does not know goes to the mux, which answers 404.
//
// The methods come from probing the mux, so they stay right as routes are added. Routes must
// carry their method ("POST /oauth2/token"): a method-less pattern accepts every method, and
// CORS then advertises every method for it.
func CORS(mux *http.ServeMux) http.Handler {
	return corsHandler{mux: mux}
}

type corsHandler struct{ mux *http.ServeMux }

func (c corsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()["Access-Control-Allow-Origin"] = anyOrigin
	if r.Method != http.MethodOptions || r.RequestURI == "*" {
		c.mux.ServeHTTP(w, r)
		return
	}
	c.serveOptions(w, r)
}

func (c corsHandler) serveOptions(w http.ResponseWriter, r *http.Request) {
	requested := r.Header.Get("Access-Control-Request-Method")
	preflight := requested != "" && r.Header.Get("Origin") != ""

	routes := c.probe(r)
	if len(routes.methods) == 0 || (!preflight && routes.optionsPattern != "") {
		c.mux.ServeHTTP(w, r)
		return
	}

	// Name the route for the metrics and access log: the pattern that will serve the
	// requested method, or the first one found. The mux sets Pattern the same way.
	r.Pattern = routes.patterns[0]
	for i, m := range routes.methods {
		if m == requested {
			r.Pattern = routes.patterns[i]
			break
		}
	}

	methods := strings.Join(append(routes.methods, http.MethodOptions), ", ")
	h := w.Header()
	h.Set("Allow", methods) // RFC 9110 §9.3.7: OPTIONS describes the communication options
	h.Set("Access-Control-Allow-Methods", methods)
	h["Access-Control-Allow-Headers"] = corsAllowHeaders
	h["Access-Control-Max-Age"] = corsMaxAge
	w.WriteHeader(http.StatusNoContent)
}

// routesAtPath is what the mux would do with each method at one path.
type routesAtPath struct {
	methods  []string // the probed methods some pattern accepts, in probedMethods order
	patterns []string // the pattern accepting each of methods
	// optionsPattern is the pattern that accepts OPTIONS itself, if any.
	optionsPattern string
}

func (c corsHandler) probe(r *http.Request) routesAtPath {
	var routes routesAtPath
	probe := &http.Request{URL: r.URL, Host: r.Host, Header: http.Header{}}
	for _, m := range probedMethods {
		probe.Method = m
		if _, pattern := c.mux.Handler(probe); pattern != "" {
			routes.methods = append(routes.methods, m)
			routes.patterns = append(routes.patterns, pattern)
		}
	}
	probe.Method = http.MethodOptions
	_, routes.optionsPattern = c.mux.Handler(probe)
	return routes
}
