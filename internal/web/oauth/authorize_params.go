package oauth

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
)

// Limits on stored request values: a pending grant is a row that anyone can make the server
// write, so each value is bounded.
const (
	maxStateLength     = 2048
	maxNonceLength     = 512
	maxLoginHintLength = 512
)

// singleParams are the request parameters that must not repeat (RFC 6749 §3.1: "Request and
// response parameters MUST NOT be included more than once").
var singleParams = []string{
	"response_type", "response_mode", "scope", "state", "code_challenge", "code_challenge_method",
	"nonce", "prompt", "login_hint",
}

// parseAuthorizationRequest checks everything after the client and redirect URI. Its errors
// are sent to the client; back.mode is set as soon as the response mode is known, so that even
// those errors use the mode the client asked for.
func (f *Flow) parseAuthorizationRequest(params url.Values, client model.Client, back *clientRedirect) (model.AuthorizationGrant, *oauth2.Error) {
	switch mode := params.Get("response_mode"); mode {
	case "", oauth2.ResponseModeQuery:
	case oauth2.ResponseModeFragment:
		back.mode = mode
	default:
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("response_mode must be query or fragment")
	}
	for _, name := range singleParams {
		if len(params[name]) > 1 {
			return model.AuthorizationGrant{}, oauth2.InvalidRequest(name + " is repeated")
		}
	}
	switch rt := params.Get("response_type"); rt {
	case oauth2.ResponseTypeCode:
	case "":
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("response_type is missing")
	default:
		return model.AuthorizationGrant{}, oauth2.UnsupportedResponseType("only response_type=code is supported")
	}
	if !supportsCodeFlow(client) {
		return model.AuthorizationGrant{}, oauth2.UnauthorizedClient("the client did not register the authorization code grant")
	}
	// PKCE with S256 is required of every client (RFC 9700 §2.1.1; Matrix CS API
	// "Authorisation code grant"). A missing method would mean "plain" (RFC 7636 §4.3).
	challenge, method := params.Get("code_challenge"), params.Get("code_challenge_method")
	switch {
	case challenge == "":
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("code_challenge is required (PKCE with S256)")
	case method != oauth2.CodeChallengeMethodS256:
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("code_challenge_method must be S256")
	case !oauth2.ValidCodeChallenge(challenge):
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("code_challenge is not a base64url SHA-256 value")
	}
	scope, err := parseLoginScope(params.Get("scope"))
	if err != nil {
		return model.AuthorizationGrant{}, err
	}
	prompt, err := parsePrompt(params.Get("prompt"), f.SignupEnabled)
	if err != nil {
		return model.AuthorizationGrant{}, err
	}
	state, nonce, hint := params.Get("state"), params.Get("nonce"), params.Get("login_hint")
	switch {
	case len(state) > maxStateLength:
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("state is too long")
	case len(nonce) > maxNonceLength:
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("nonce is too long")
	case len(hint) > maxLoginHintLength:
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("login_hint is too long")
	// The grant stores these as text: invalid UTF-8 or a NUL would fail that write, a 500 for
	// bad input. RFC 6749 Appendix A.5 allows only printable ASCII in state anyway.
	case !storableText(state):
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("state is not valid UTF-8 text")
	case !storableText(nonce):
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("nonce is not valid UTF-8 text")
	case !storableText(hint):
		return model.AuthorizationGrant{}, oauth2.InvalidRequest("login_hint is not valid UTF-8 text")
	}
	return model.AuthorizationGrant{
		ClientID: client.ID, RedirectURI: params.Get("redirect_uri"), ResponseMode: back.mode,
		Scope: scope.String(), DeviceID: scope.DeviceID(), State: state, Nonce: nonce,
		CodeChallenge: challenge, CodeChallengeMethod: method, Prompt: prompt, LoginHint: hint,
	}, nil
}

// parsePrompt accepts the OIDC prompt values (OIDC Core §3.1.2.1): none alone, or any of
// login, consent, select_account and, when sign-up is enabled, create (Initiating User
// Registration via OpenID Connect 1.0 §4.1). Values it does not know are ignored, as OIDC
// allows; so is create while sign-up is closed, which the metadata then does not offer
// (prompt_values_supported, ibid. §4.2), so the request goes on as a plain sign-in.
func parsePrompt(s string, signup bool) (string, *oauth2.Error) {
	var kept []string
	for _, v := range strings.Fields(s) {
		switch v {
		case oauth2.PromptNone, oauth2.PromptLogin, oauth2.PromptConsent, oauth2.PromptSelectAccount:
			kept = append(kept, v)
		case oauth2.PromptCreate:
			if signup {
				kept = append(kept, v)
			}
		}
	}
	for _, v := range kept {
		if v == oauth2.PromptNone && len(kept) > 1 {
			return "", oauth2.InvalidRequest("prompt=none cannot be combined with other values")
		}
	}
	return strings.Join(kept, " "), nil
}

// parseLoginScope parses the scope of a login: it must allocate exactly one Matrix device
// (Matrix CS API "Device ID allocation": "There MUST be exactly one
// urn:matrix:client:device:<device_id> token in the requested scope in the login flow").
func parseLoginScope(s string) (oauth2.Scope, *oauth2.Error) {
	sc, err := oauth2.ParseScope(s)
	if err == nil {
		err = sc.RequireDevice()
	}
	if err != nil {
		var oe *oauth2.Error
		if errors.As(err, &oe) {
			return oauth2.Scope{}, oe
		}
		return oauth2.Scope{}, oauth2.InvalidScope("the scope is invalid")
	}
	return sc, nil
}

// storableText reports whether a request value can be kept as text: valid UTF-8, no NUL.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
