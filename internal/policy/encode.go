package policy

import (
	"slices"

	"github.com/mxauth/mxauth/internal/model"
)

// EncodeClientMetadata returns the registered metadata as the members of a registration
// response (RFC 7591 §3.2.1: the response holds "all registered metadata about the client"),
// keyed by their RFC 7591 / OIDC Registration names, localised values as field#tag. Empty
// values are left out. The caller adds client_id and the other credentials. Encoding the result
// with encoding/json and parsing it again with ParseClientMetadata gives back m.
func EncodeClientMetadata(m model.ClientMetadata) map[string]any {
	out := make(map[string]any)
	putStrings(out, "redirect_uris", m.RedirectURIs)
	putStrings(out, "response_types", m.ResponseTypes)
	putStrings(out, "grant_types", m.GrantTypes)
	putString(out, "application_type", m.ApplicationType)
	putString(out, "token_endpoint_auth_method", m.TokenEndpointAuthMethod)
	putString(out, "client_name", m.ClientName)
	putString(out, "client_uri", m.ClientURI)
	putString(out, "logo_uri", m.LogoURI)
	putString(out, "tos_uri", m.TOSURI)
	putString(out, "policy_uri", m.PolicyURI)
	putStrings(out, "contacts", m.Contacts)
	putString(out, "id_token_signed_response_alg", m.IDTokenSignedResponseAlg)
	putStrings(out, "post_logout_redirect_uris", m.PostLogoutRedirectURIs)
	for _, l := range m.Localized {
		putString(out, l.Field+"#"+l.Lang, l.Value)
	}
	return out
}

func putString(out map[string]any, key, value string) {
	if value != "" {
		out[key] = value
	}
}

// putStrings stores a copy, so that a caller editing the map cannot change m.
func putStrings(out map[string]any, key string, values []string) {
	if len(values) > 0 {
		out[key] = slices.Clone(values)
	}
}
