package oauth

import (
	"encoding/json"
	"net/http"
)

// PathJWKS is where the public signing keys are published (RFC 8414 §2 jwks_uri).
const PathJWKS = "/oauth2/keys.json"

// jwksCacheControl lets clients cache the key set, but not for so long that a rotated-in key
// goes unseen: a new key is published before it signs anything.
const jwksCacheControl = "public, max-age=600"

// MountJWKS serves the JSON Web Key Set (RFC 7517 §5) and names it in the metadata.
// jwks must already hold public keys only.
func MountJWKS(mux *http.ServeMux, iss Issuer, md *Metadata, jwks []byte) error {
	doc, err := newCachedJSON(json.RawMessage(jwks), jwksCacheControl)
	if err != nil {
		return err
	}
	mountReadOnly(mux, PathJWKS, doc)
	md.JWKSURI = iss.URL(PathJWKS)
	return nil
}
