package oauth2

// Grant types: the values of the token endpoint's grant_type parameter that mxauth serves
// (CS §Grant types: authorisation code, device authorisation and refresh token).
const (
	// GrantAuthorizationCode exchanges an authorization code (RFC 6749 §4.1.3).
	GrantAuthorizationCode = "authorization_code"
	// GrantRefreshToken exchanges a refresh token (RFC 6749 §6).
	GrantRefreshToken = "refresh_token"
	// GrantDeviceCode polls with a device code (RFC 8628 §3.4).
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
)

// ResponseTypeCode is the only response_type mxauth answers: the authorization code flow
// (RFC 6749 §4.1.1). Anything else is unsupported_response_type (§4.1.2.1).
const ResponseTypeCode = "code"

// Response modes: where the authorization response parameters go on the redirect URI
// (OAuth 2.0 Multiple Response Type Encoding Practices §2.1). The CS API requires both
// (CS §Authorisation code flow, callback); an omitted response_mode means the default of
// response_type=code, which is query.
const (
	// ResponseModeQuery appends the parameters to the redirect URI's query, keeping the query
	// the client registered.
	ResponseModeQuery = "query"
	// ResponseModeFragment puts the parameters in the fragment, so that the web server behind
	// the redirect URI never sees them.
	ResponseModeFragment = "fragment"
)

// CodeChallengeMethodS256 is the only PKCE method mxauth accepts (RFC 7636 §4.2; CS §Authorisation
// code grant requires S256; RFC 9700 §2.1.1 rules out "plain").
const CodeChallengeMethodS256 = "S256"
