package oauth

import (
	"net/url"
	"strings"
)

// Metadata is the authorisation server metadata document (RFC 8414 §2; Matrix CS API
// "Server metadata discovery"). Field order is the order of the JSON document. Every list is
// omitempty: RFC 8414 §3.2 says claims with zero elements MUST be omitted.
type Metadata struct {
	Issuer                      string `json:"issuer"`
	AuthorizationEndpoint       string `json:"authorization_endpoint,omitempty"`
	TokenEndpoint               string `json:"token_endpoint,omitempty"`
	RevocationEndpoint          string `json:"revocation_endpoint,omitempty"`
	RegistrationEndpoint        string `json:"registration_endpoint,omitempty"`
	IntrospectionEndpoint       string `json:"introspection_endpoint,omitempty"`
	UserinfoEndpoint            string `json:"userinfo_endpoint,omitempty"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint,omitempty"`
	JWKSURI                     string `json:"jwks_uri,omitempty"`
	AccountManagementURI        string `json:"account_management_uri,omitempty"`

	ResponseTypesSupported                 []string `json:"response_types_supported,omitempty"`
	ResponseModesSupported                 []string `json:"response_modes_supported,omitempty"`
	GrantTypesSupported                    []string `json:"grant_types_supported,omitempty"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported,omitempty"`
	PromptValuesSupported                  []string `json:"prompt_values_supported,omitempty"`
	ScopesSupported                        []string `json:"scopes_supported,omitempty"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported,omitempty"`
	// IntrospectionEndpointAuthMethodsSupported is RFC 8414 §2 (RFC 7662 §2.1 client
	// authentication at the introspection endpoint).
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported,omitempty"`
	SubjectTypesSupported                     []string `json:"subject_types_supported,omitempty"`
	IDTokenSigningAlgValuesSupported          []string `json:"id_token_signing_alg_values_supported,omitempty"`
	AccountManagementActionsSupported         []string `json:"account_management_actions_supported,omitempty"`
}

// Issuer is the server's public base URL; every endpoint URL is derived from it so that the
// document and the routes cannot disagree.
type Issuer struct {
	base *url.URL
}

// NewIssuer parses the public URL (validated by config: absolute http(s), no query, no
// fragment). A missing trailing slash is added, so endpoint paths join under it.
func NewIssuer(publicURL string) (Issuer, error) {
	if !strings.HasSuffix(publicURL, "/") {
		publicURL += "/"
	}
	u, err := url.Parse(publicURL)
	if err != nil {
		return Issuer{}, err
	}
	return Issuer{base: u}, nil
}

// String is the issuer identifier, exactly as published in the metadata.
func (i Issuer) String() string { return i.base.String() }

// PathPrefix is the path of the public URL without its trailing slash ("" at the root):
// routes are served under it.
func (i Issuer) PathPrefix() string { return strings.TrimSuffix(i.base.Path, "/") }

// URL returns the absolute URL of a route path such as "/oauth2/token".
func (i Issuer) URL(path string) string {
	return i.base.String() + strings.TrimPrefix(path, "/")
}
