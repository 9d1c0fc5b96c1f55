package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Grant types a static client may be given (RFC 6749 §4.1, §6; RFC 6749 §4.4; RFC 8628 §3.4).
var staticGrantTypes = map[string]bool{
	"authorization_code": true,
	"refresh_token":      true,
	"client_credentials": true,
	"urn:ietf:params:oauth:grant-type:device_code": true,
}

func (v *validator) registration(r Registration) {
	switch r.Dynamic {
	case "open", "closed":
	default:
		v.add("registration.dynamic", "%q is not one of open, closed", r.Dynamic)
	}
	for i, h := range r.AllowedClientURIHosts {
		if h == "" || strings.ContainsAny(h, "/:@ ") || h != strings.ToLower(h) {
			v.add(fmt.Sprintf("registration.allowed_client_uri_hosts[%d]", i), "%q is not a lower-case host name", h)
		}
	}
	v.positive("registration.unused_client_max_age", int64(r.UnusedClientMaxAge))
	v.rateLimit("registration.rate_limit", r.RateLimit)
}

func (v *validator) rateLimit(key string, r RateLimit) {
	if r.Burst < 1 {
		v.add(key+".burst", "must be at least 1")
	}
	if r.PerSecond <= 0 {
		v.add(key+".per_second", "must be greater than zero")
	}
}

func (v *validator) staticClients(cs []StaticClient) {
	seen := map[string]bool{}
	for i, c := range cs {
		key := fmt.Sprintf("clients[%d]", i)
		switch {
		case c.ClientID == "":
			v.add(key+".client_id", "must be set")
		case strings.ContainsFunc(c.ClientID, func(r rune) bool { return r <= ' ' || r > '~' }):
			v.add(key+".client_id", "%q may hold only printable ASCII without spaces", c.ClientID)
		case seen[c.ClientID]:
			v.add(key+".client_id", "%q is declared twice", c.ClientID)
		}
		seen[c.ClientID] = true
		hasSecret := c.ClientSecret != "" || c.ClientSecretFile != ""
		if c.ClientSecret != "" && c.ClientSecretFile != "" {
			v.add(key+".client_secret", "set either client_secret or client_secret_file, not both")
		}
		switch c.TokenEndpointAuthMethod {
		case "none":
			if hasSecret {
				v.add(key+".client_secret", "a public client (token_endpoint_auth_method: none) has no secret")
			}
		case "", "client_secret_basic", "client_secret_post":
			if !hasSecret {
				v.add(key+".client_secret", "a confidential client needs client_secret or client_secret_file (or set token_endpoint_auth_method: none)")
			}
		default:
			v.add(key+".token_endpoint_auth_method", "%q is not one of none, client_secret_basic, client_secret_post", c.TokenEndpointAuthMethod)
		}
		for j, u := range c.RedirectURIs {
			if err := checkRedirectURI(u); err != nil {
				v.add(fmt.Sprintf("%s.redirect_uris[%d]", key, j), "%v", err)
			}
		}
		for j, g := range c.GrantTypes {
			if !staticGrantTypes[g] {
				v.add(fmt.Sprintf("%s.grant_types[%d]", key, j), "%q is not a grant type mxauth knows", g)
			}
		}
		if c.ClientURI != "" {
			if u, err := url.Parse(c.ClientURI); err != nil || !u.IsAbs() || u.Host == "" {
				v.add(key+".client_uri", "%q is not an absolute URL", c.ClientURI)
			}
		}
	}
}

// checkRedirectURI: an operator's redirect URI must be absolute and have no fragment
// (RFC 6749 §3.1.2). Static clients are trusted, so the Matrix host rules for dynamic
// registration do not apply.
func checkRedirectURI(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case !u.IsAbs():
		return fmt.Errorf("%q is not absolute", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%q has a fragment (RFC 6749 §3.1.2)", s)
	}
	return nil
}
