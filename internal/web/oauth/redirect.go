package oauth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/mxauth/mxauth/internal/oauth2"
)

// clientRedirect is where an authorization response goes: a redirect URI the client
// registered (already matched) and the response mode it asked for.
type clientRedirect struct {
	uri   string
	mode  string // oauth2.ResponseModeQuery or oauth2.ResponseModeFragment
	state string
}

// location builds the redirect: the parameters and the state go in the query (kept after the
// redirect URI's own query, e.g. Element Web's ?no_universal_links=true) or in the fragment
// (OAuth 2.0 Multiple Response Type Encoding Practices §2.1; Matrix CS API "Callback").
func (c clientRedirect) location(params url.Values) string {
	if c.state != "" {
		params.Set("state", c.state)
	}
	enc := params.Encode()
	if c.mode == oauth2.ResponseModeFragment {
		return c.uri + "#" + enc
	}
	if strings.Contains(c.uri, "?") {
		if strings.HasSuffix(c.uri, "?") || strings.HasSuffix(c.uri, "&") {
			return c.uri + enc
		}
		return c.uri + "&" + enc
	}
	return c.uri + "?" + enc
}

// sendCode redirects the browser to the client with the authorization code.
func (c clientRedirect) sendCode(w http.ResponseWriter, r *http.Request, code string) {
	http.Redirect(w, r, c.location(url.Values{"code": {code}}), http.StatusSeeOther)
}

// sendError redirects the browser to the client with an error (RFC 6749 §4.1.2.1).
func (c clientRedirect) sendError(w http.ResponseWriter, r *http.Request, e *oauth2.Error) {
	params := url.Values{"error": {e.Code}}
	if d := e.WireDescription(); d != "" {
		params.Set("error_description", d)
	}
	http.Redirect(w, r, c.location(params), http.StatusSeeOther)
}
