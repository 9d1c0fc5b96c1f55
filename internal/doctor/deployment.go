package doctor

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Check names, as printed.
const (
	nameSharedSecret    = "shared secret"
	nameHTTPSIssuer     = "https issuer"
	nameHTTPSHomeserver = "https homeserver"
)

// markerHeader is the header mxauth sets on every response under /_matrix/; a response
// without it came from someone else, normally the homeserver.
const markerHeader = "X-Mxauth"

// routedPaths are the legacy login API paths the reverse proxy must send to mxauth, because
// Synapse with MAS delegation no longer serves them (SYNAPSE.md §1.1, §1.4). Any status
// will do; only who answered counts.
var routedPaths = []struct {
	name, method, path string
}{
	{"routing /login", http.MethodGet, "/_matrix/client/v3/login"},
	{"routing /logout", http.MethodPost, "/_matrix/client/v3/logout"},
	{"routing /refresh", http.MethodPost, "/_matrix/client/v3/refresh"},
}

// routingFix is the reverse-proxy rule MAS documents, in nginx and Caddy form.
const routingFix = "in the reverse proxy, send ^/_matrix/client/(.*)/(login|logout|refresh) to mxauth ahead of the /_matrix rule: " +
	"nginx `location ~ ^/_matrix/client/(.*)/(login|logout|refresh) { proxy_pass http://MXAUTH_ADDRESS; }`; " +
	"Caddy `@mxauth path_regexp ^/_matrix/client/(.*)/(login|logout|refresh)` with `reverse_proxy @mxauth MXAUTH_ADDRESS`"

// checkRouting asks the homeserver URL for /login, /logout and /refresh, as a client of
// the legacy API would, and looks for mxauth's marker on the answers. Redirects are not
// followed: the answer to the client's own request is the one that counts.
func checkRouting(ctx context.Context, p prober, base, issuer string) []Result {
	results := make([]Result, 0, len(routedPaths))
	for _, rp := range routedPaths {
		switch {
		case issuer == "":
			results = append(results, skipped(rp.name, "no mxauth issuer given, so no mxauth to expect (standalone check)"))
			continue
		case base == "":
			results = append(results, skipped(rp.name, "the homeserver URL is unknown (see well-known)"))
			continue
		}
		req := request{method: rp.method, url: base + rp.path, direct: true}
		if rp.method == http.MethodPost {
			req.body = []byte("{}")
		}
		r, err := p.do(ctx, req)
		switch {
		case err != nil:
			results = append(results, Result{Name: rp.name, Status: StatusFail, Detail: err.Error(), Fix: routingFix})
		case r.header.Get(markerHeader) == "1":
			results = append(results, Result{Name: rp.name, Status: StatusOK,
				Detail: fmt.Sprintf("answered by mxauth (HTTP %d)", r.status)})
		case r.status >= 300 && r.status < 400:
			results = append(results, Result{Name: rp.name, Status: StatusFail,
				Detail: fmt.Sprintf("redirected (HTTP %d to %q), not answered by mxauth", r.status, r.header.Get("Location")),
				Fix:    routingFix})
		default:
			results = append(results, Result{Name: rp.name, Status: StatusFail,
				Detail: fmt.Sprintf("answered by the homeserver, not mxauth (HTTP %d)", r.status), Fix: routingFix})
		}
	}
	return results
}

// isLocalpartAvailablePath is the cheapest call of Synapse's MAS API (SYNAPSE.md §1.3): a
// read that every MAS-enabled Synapse serves, guarded by the shared secret like the rest.
const isLocalpartAvailablePath = "/_synapse/mas/is_localpart_available?localpart=mxauth-doctor-probe"

// checkSharedSecret asks Synapse's MAS API something harmless with the shared secret. Any
// answer past assert_request_is_from_mas (200 available, 400 taken or invalid) means the
// secret was accepted; 403 is Synapse's "This endpoint must only be called by MAS".
func checkSharedSecret(ctx context.Context, p prober, endpoint, secret string) Result {
	if endpoint == "" || secret == "" {
		return skipped(nameSharedSecret, "no Synapse endpoint and shared secret (matrix.kind synapse in mxauth's config)")
	}
	if strings.ContainsFunc(secret, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return Result{Name: nameSharedSecret, Status: StatusFail, Detail: "the shared secret contains control characters",
			Fix: "set matrix.secret (or the file of matrix.secret_file) to the secret alone, on one line"}
	}
	url := strings.TrimRight(endpoint, "/") + isLocalpartAvailablePath
	// Not following redirects keeps the secret on the host it was configured for.
	r, err := p.do(ctx, request{method: http.MethodGet, url: url, direct: true,
		header: map[string]string{"Authorization": "Bearer " + secret}})
	if err != nil {
		return Result{Name: nameSharedSecret, Status: StatusFail, Detail: err.Error(),
			Fix: "set matrix.endpoint to the address mxauth reaches Synapse at (e.g. http://localhost:8008/)"}
	}
	switch r.status {
	case http.StatusOK, http.StatusBadRequest:
		return Result{Name: nameSharedSecret, Status: StatusOK, Detail: "Synapse accepts the shared secret"}
	case http.StatusForbidden, http.StatusUnauthorized:
		return Result{Name: nameSharedSecret, Status: StatusFail, Detail: "Synapse rejects the shared secret",
			Fix: "set matrix_authentication_service.secret in Synapse's config to the same value as mxauth's matrix.secret, then restart Synapse"}
	case http.StatusNotFound:
		return Result{Name: nameSharedSecret, Status: StatusFail, Detail: "MAS integration not enabled in Synapse (its /_synapse/mas API answered 404)",
			Fix: "set matrix_authentication_service.enabled: true in Synapse's config, then restart Synapse"}
	}
	return Result{Name: nameSharedSecret, Status: StatusFail, Detail: fmt.Sprintf("Synapse answered HTTP %d", r.status),
		Fix: "check that matrix.endpoint is Synapse's own address, not another service"}
}

// checkIssuerHTTPS fails an http issuer: Matrix v1.15 requires an https issuer (R3), and
// Element X refuses anything else. mxauth's own issuer is judged when given, otherwise the
// one the homeserver names.
func checkIssuerHTTPS(issuer, metadataIssuer string) Result {
	which := "mxauth's public URL"
	if issuer == "" {
		issuer, which = metadataIssuer, "the homeserver's issuer"
	}
	if issuer == "" {
		return skipped(nameHTTPSIssuer, "no issuer known (see auth_metadata)")
	}
	u, err := url.Parse(issuer)
	if err == nil && u.Scheme == "https" {
		return Result{Name: nameHTTPSIssuer, Status: StatusOK, Detail: which + " " + issuer + " uses https"}
	}
	return Result{Name: nameHTTPSIssuer, Status: StatusFail,
		Detail: fmt.Sprintf("%s %s does not use https", which, issuer),
		Fix:    "serve mxauth over TLS (behind a reverse proxy) and set http.public_url to its https URL: the Matrix spec requires an https issuer and Element X refuses others; http is fine only for local development"}
}

// checkHomeserverHTTPS warns about a plain-http homeserver: clients send tokens to it.
func checkHomeserverHTTPS(base string) Result {
	if base == "" {
		return skipped(nameHTTPSHomeserver, "the homeserver URL is unknown (see well-known)")
	}
	if strings.HasPrefix(base, "https://") {
		return Result{Name: nameHTTPSHomeserver, Status: StatusOK, Detail: base + " uses https"}
	}
	return Result{Name: nameHTTPSHomeserver, Status: StatusWarn, Detail: base + " does not use https",
		Fix: "serve the homeserver's client API over TLS: clients send their access tokens to it; http is fine only for local development"}
}
