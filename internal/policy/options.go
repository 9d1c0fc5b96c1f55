package policy

import "slices"

// Grant and response types this package understands (RFC 6749 §4.1, §6; RFC 8628 §3.4).
// Other values a client asks for are dropped, as the Matrix spec requires ("The server MUST
// ignore values that it does not understand").
const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	responseTypeCode       = "code"
)

// defaultIDTokenAlg is the id_token signing algorithm of a client that names none
// (OpenID Connect Dynamic Client Registration 1.0 §2: "The default, if omitted, is RS256").
const defaultIDTokenAlg = "RS256"

// Limits that keep a registration small: every dynamic registration becomes a stored row, and
// registration is open to anyone (Matrix: no initial access token), so a request that exceeds
// one of them is refused with invalid_client_metadata rather than stored.
const (
	// MaxBodyBytes caps the whole registration request body.
	MaxBodyBytes = 64 << 10
	// MaxStringLength caps every string value (names, URIs, contacts), in bytes.
	MaxStringLength = 2 << 10
	// MaxRedirectURIs caps redirect_uris and, separately, post_logout_redirect_uris.
	MaxRedirectURIs = 20
	// MaxContacts caps contacts.
	MaxContacts = 10
	// MaxLocalizedValues caps the field#lang values, all fields together.
	MaxLocalizedValues = 40
	// MaxTypeValues caps the entries of grant_types and of response_types, before unknown
	// values are dropped.
	MaxTypeValues = 16
	// maxLanguageTagLength caps a BCP 47 tag; RFC 5646 §4.4.1 asks implementations to handle
	// at least 35 characters.
	maxLanguageTagLength = 64
)

// RegistrationOptions are the operator's choices that shape what a client may register. The zero
// value is usable: it allows every grant type this server implements and RS256 id_tokens.
type RegistrationOptions struct {
	// SupportedGrantTypes are the grant types a client may register; others are dropped.
	// Empty means DefaultSupportedGrantTypes(). Leave out the device_code grant to turn the
	// device authorisation flow off for new clients.
	SupportedGrantTypes []string
	// SigningAlgs are the id_token signing algorithms the server can use (e.g. "ES256",
	// "RS256"). Empty means just RS256.
	SigningAlgs []string
	// AllowedClientURIHosts, when not empty, restricts registration to clients whose client_uri
	// host equals one of these hosts or is a subdomain of one.
	AllowedClientURIHosts []string
}

// DefaultSupportedGrantTypes returns the grant types mxauth implements: the authorisation
// code grant and refresh (Matrix CS API §Grant types), and the device authorisation grant
// (Matrix v1.18, RFC 8628).
func DefaultSupportedGrantTypes() []string {
	return []string{grantAuthorizationCode, grantRefreshToken, grantDeviceCode}
}

func (o RegistrationOptions) supportedGrantTypes() []string {
	if len(o.SupportedGrantTypes) == 0 {
		return DefaultSupportedGrantTypes()
	}
	return o.SupportedGrantTypes
}

func (o RegistrationOptions) signingAlgs() []string {
	if len(o.SigningAlgs) == 0 {
		return []string{defaultIDTokenAlg}
	}
	return o.SigningAlgs
}

// defaultIDTokenSignedResponseAlg is RS256 when the server signs with it, and otherwise the
// first algorithm the server offers: a default the server cannot honour would make every
// id_token of the client unusable.
func (o RegistrationOptions) defaultIDTokenSignedResponseAlg() string {
	algs := o.signingAlgs()
	if slices.Contains(algs, defaultIDTokenAlg) {
		return defaultIDTokenAlg
	}
	return algs[0]
}
