package oauth2

import (
	"fmt"
	"slices"
	"strings"
)

// Scope tokens mxauth understands. Scope tokens are case-sensitive (RFC 6749 §3.3).
const (
	// ScopeOpenID asks for OpenID Connect (OIDC Core §3.1.2.1); older Element Web builds
	// (js-sdk ≤ 41) always send it.
	ScopeOpenID = "openid"
	// ScopeMatrixAPI grants full access to the Client-Server API (CS §Allocated scope tokens).
	ScopeMatrixAPI = "urn:matrix:client:api:*"
	// ScopeMatrixAPIUnstable is the MSC2967 unstable spelling of ScopeMatrixAPI, still sent by
	// Element X (CLIENTS.md §0.1).
	ScopeMatrixAPIUnstable = "urn:matrix:org.matrix.msc2967.client:api:*"
	// ScopeMatrixDevicePrefix followed by a device ID allocates that device (CS §Allocated
	// scope tokens).
	ScopeMatrixDevicePrefix = "urn:matrix:client:device:"
	// ScopeMatrixDevicePrefixUnstable is the MSC2967 unstable spelling of
	// ScopeMatrixDevicePrefix.
	ScopeMatrixDevicePrefixUnstable = "urn:matrix:org.matrix.msc2967.client:device:"
)

const (
	// MaxDeviceIDLength caps the device ID of a device scope token, in bytes. The spec sets
	// no bound; 255 leaves room for every ID seen in practice (a QR-login device ID is a
	// 43-character base64 key) while keeping IDs fit for a database index.
	MaxDeviceIDLength = 255
	// MaxScopeLength caps a whole scope string, in bytes. A Matrix login scope is a few
	// hundred bytes at most; the cap bounds the work an untrusted request can cause.
	MaxScopeLength = 4096
)

// Scope is a parsed, validated scope (RFC 6749 §3.3) with its Matrix meaning. The zero value
// is the empty scope. Build one with ParseScope or ScopeRules.Parse.
type Scope struct {
	tokens   []string // as the client spelled them, in request order, without duplicates
	deviceID string
	api      bool
	openID   bool
}

// ScopeRules says which scope tokens a request may carry beyond the ones mxauth always
// understands (openid and the stable and unstable Matrix API and device tokens).
type ScopeRules struct {
	// Extra lists further tokens accepted exactly as written (for example "email"). Every
	// other token is unknown and the whole scope is refused with invalid_scope
	// (RFC 6749 §4.1.2.1): mxauth grants nothing it does not understand. MAS's admin scopes
	// (urn:synapse:admin:*, urn:mas:admin) are deliberately not accepted by default.
	Extra []string
}

// ParseScope parses a scope parameter with the default ScopeRules (no extra tokens). See
// ScopeRules.Parse.
func ParseScope(s string) (Scope, error) { return ScopeRules{}.Parse(s) }

// Parse parses a scope parameter. Every failure is an *Error with code invalid_scope, which
// RFC 6749 §4.1.2.1 and §5.2 define as "invalid, unknown, or malformed" — syntax errors
// included.
//
// Syntax (RFC 6749 §3.3): tokens of %x21 / %x23-5B / %x5D-7E separated by spaces. The RFC
// separates tokens with exactly one space; Parse also accepts runs of spaces and leading or
// trailing spaces, which some clients produce when they join lists, because they carry no
// ambiguity. Any other whitespace (tab, newline) or character is refused.
//
// Meaning: openid, urn:matrix:client:api:* and urn:matrix:client:device:<id> in their stable
// and MSC2967 unstable spellings, plus rules.Extra. A scope names at most one device; the
// stable and unstable tokens naming the same ID are one device (SPEC.md §1.3), two different
// IDs are refused (CS §Device ID allocation). Whether a device is required depends on the
// flow: see Scope.RequireDevice.
//
// An empty scope is not an error here: RFC 6749 §3.3 lets the server either apply a default
// or refuse, and the flow decides.
func (r ScopeRules) Parse(s string) (Scope, error) {
	if len(s) > MaxScopeLength {
		return Scope{}, InvalidScope(fmt.Sprintf("the scope is longer than %d bytes", MaxScopeLength))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && !isScopeTokenByte(c) {
			return Scope{}, InvalidScope(fmt.Sprintf(
				"the scope has a character RFC 6749 section 3.3 does not allow, at byte %d", i))
		}
	}
	var sc Scope
	for tok := range strings.SplitSeq(s, " ") {
		if tok == "" || slices.Contains(sc.tokens, tok) {
			continue
		}
		if err := sc.understand(tok, r.Extra); err != nil {
			return Scope{}, err
		}
		sc.tokens = append(sc.tokens, tok)
	}
	return sc, nil
}

// understand records what tok grants, or explains why tok cannot be granted.
func (sc *Scope) understand(tok string, extra []string) error {
	switch {
	case tok == ScopeOpenID:
		sc.openID = true
	case tok == ScopeMatrixAPI || tok == ScopeMatrixAPIUnstable:
		sc.api = true
	case strings.HasPrefix(tok, ScopeMatrixDevicePrefix):
		return sc.allocateDevice(tok[len(ScopeMatrixDevicePrefix):])
	case strings.HasPrefix(tok, ScopeMatrixDevicePrefixUnstable):
		return sc.allocateDevice(tok[len(ScopeMatrixDevicePrefixUnstable):])
	case slices.Contains(extra, tok):
	default:
		return InvalidScope(fmt.Sprintf("the scope token '%s' is not supported", abbreviate(tok)))
	}
	return nil
}

// allocateDevice records the device a device scope token names. The characters were already
// checked against RFC 6749 §3.3, which is the only alphabet the CS API imposes ("MUST only use
// characters allowed by the OAuth 2.0 scope definition"). mxauth does not narrow it to the
// RFC 3986 unreserved set the spec merely allows: Element X's QR login (MSC4108) uses an
// unpadded standard-base64 key, with '+' and '/', as the device ID (CLIENTS.md §0.2).
func (sc *Scope) allocateDevice(id string) error {
	switch {
	case id == "":
		return InvalidScope("a device scope token names no device ID")
	case len(id) > MaxDeviceIDLength:
		return InvalidScope(fmt.Sprintf("the device ID is longer than %d bytes", MaxDeviceIDLength))
	case sc.deviceID != "" && sc.deviceID != id:
		// CS §Device ID allocation: "There MUST be exactly one
		// urn:matrix:client:device:<device_id> token in the requested scope".
		return InvalidScope("the scope names more than one device")
	}
	sc.deviceID = id
	return nil
}

// RequireDevice returns invalid_scope when the scope allocates no device. The login flows
// (authorization code and device authorization grants) call it: CS §Device ID allocation
// requires exactly one device token there; Parse already refused two.
func (sc Scope) RequireDevice() error {
	if sc.deviceID == "" {
		return InvalidScope("the scope must hold exactly one " + ScopeMatrixDevicePrefix + "<device_id> token")
	}
	return nil
}

// String is the scope as the client spelled it: its tokens in request order, each once,
// separated by single spaces. This is what a token response echoes (CS §Token request; the
// client compares against what it asked for, CLIENTS.md §0.1).
func (sc Scope) String() string { return strings.Join(sc.tokens, " ") }

// Tokens returns the scope tokens as the client spelled them, in request order, without
// duplicates. The slice is a copy.
func (sc Scope) Tokens() []string { return slices.Clone(sc.tokens) }

// CanonicalTokens returns the tokens with the unstable MSC2967 spellings mapped to the stable
// ones, in request order, without duplicates: the stable and unstable tokens for the same API
// or device become one. Use it for decisions and introspection, never for echoing to the client.
func (sc Scope) CanonicalTokens() []string {
	out := make([]string, 0, len(sc.tokens))
	for _, tok := range sc.tokens {
		c := canonicalScopeToken(tok)
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// DeviceID is the device the scope allocates, or "" when it names none.
func (sc Scope) DeviceID() string { return sc.deviceID }

// HasAPI reports whether the scope grants full Client-Server API access, in either spelling.
func (sc Scope) HasAPI() bool { return sc.api }

// HasOpenID reports whether the scope holds openid.
func (sc Scope) HasOpenID() bool { return sc.openID }

// DeviceScopeToken is the stable scope token allocating deviceID, for sessions mxauth starts
// itself (for example through the legacy login API).
func DeviceScopeToken(deviceID string) string { return ScopeMatrixDevicePrefix + deviceID }

func canonicalScopeToken(tok string) string {
	switch {
	case tok == ScopeMatrixAPIUnstable:
		return ScopeMatrixAPI
	case strings.HasPrefix(tok, ScopeMatrixDevicePrefixUnstable):
		return ScopeMatrixDevicePrefix + tok[len(ScopeMatrixDevicePrefixUnstable):]
	default:
		return tok
	}
}

// isScopeTokenByte reports whether c may appear in a scope token: NQCHAR of RFC 6749 §3.3
// (%x21 / %x23-5B / %x5D-7E), that is printable ASCII but space, '"' and '\'.
func isScopeTokenByte(c byte) bool {
	return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\'
}

// abbreviate shortens a token quoted in an error description, so that a long token cannot
// bloat the error response.
func abbreviate(tok string) string {
	const maxQuoted = 64
	if len(tok) <= maxQuoted {
		return tok
	}
	return tok[:maxQuoted] + "..."
}
