package oauth

import (
	"net/http"

	"github.com/mxauth/mxauth/internal/web"
)

// discoveryCacheControl is what Synapse sends on auth_metadata: clients "should cache the
// metadata appropriately based on HTTP caching headers" (CS API, Server metadata discovery),
// and shared caches may keep it longer than browsers.
const discoveryCacheControl = "public, max-age=600, s-maxage=3600, stale-while-revalidate=600"

// Paths of the discovery document and its aliases.
const (
	PathAuthMetadata         = "/_matrix/client/v1/auth_metadata"
	PathAuthMetadataUnstable = "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata"
	PathAuthIssuerUnstable   = "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer"
	PathOpenIDConfiguration  = "/.well-known/openid-configuration"
	PathOAuthServerMetadata  = "/.well-known/oauth-authorization-server"
)

// MountDiscovery serves the metadata document. It must be called after every other endpoint
// has added itself to md: the document is encoded once, here.
//
// The same bytes go out at every path, so the issuer is identical everywhere (RFC 8414 §3.3).
// The unstable auth_issuer (MSC2965 drafts, still used by some clients) names the same issuer.
func MountDiscovery(mux *http.ServeMux, md *Metadata) error {
	doc, err := newCachedJSON(md, discoveryCacheControl)
	if err != nil {
		return err
	}
	issuer, err := newCachedJSON(struct {
		Issuer string `json:"issuer"`
	}{md.Issuer}, discoveryCacheControl)
	if err != nil {
		return err
	}
	for _, path := range []string{PathAuthMetadata, PathAuthMetadataUnstable, PathOpenIDConfiguration, PathOAuthServerMetadata} {
		mountReadOnly(mux, path, doc)
	}
	mountReadOnly(mux, PathAuthIssuerUnstable, issuer)
	return nil
}

// MountOAuthDisabled answers the Matrix discovery paths as a homeserver without the OAuth 2.0
// API must: "the server SHOULD respond with 404 and an M_UNRECOGNIZED error code if the
// corresponding API is not supported" (CS API, Authentication API discovery).
func MountOAuthDisabled(mux *http.ServeMux) {
	disabled := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.WriteMatrixError(w, http.StatusNotFound, "M_UNRECOGNIZED",
			"The OAuth 2.0 API is not enabled on this server.")
	})
	for _, path := range []string{PathAuthMetadata, PathAuthMetadataUnstable, PathAuthIssuerUnstable} {
		mountReadOnly(mux, path, disabled)
	}
}

// mountReadOnly routes GET (and so HEAD) to h. CORS, preflight included, is answered for
// every route by the web middleware (web.Options.CORS).
func mountReadOnly(mux *http.ServeMux, path string, h http.Handler) {
	mux.Handle("GET "+path, h)
}
