package oauth2

import (
	"errors"
	"strings"
)

// Error codes, as registered in the "OAuth Extensions Error Registry" (RFC 6749 §11.4) by the
// RFC named beside each one.
const (
	// RFC 6749 §5.2 (token endpoint) and §4.1.2.1 (authorization endpoint).
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeInvalidScope            = "invalid_scope"
	CodeAccessDenied            = "access_denied"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeServerError             = "server_error"
	CodeTemporarilyUnavailable  = "temporarily_unavailable"

	// RFC 7591 §3.2.2 (dynamic client registration).
	CodeInvalidRedirectURI    = "invalid_redirect_uri"
	CodeInvalidClientMetadata = "invalid_client_metadata"

	// RFC 7009 §2.2.1 (token revocation).
	CodeUnsupportedTokenType = "unsupported_token_type"

	// RFC 8628 §3.5 (device authorization grant, token endpoint polling).
	CodeAuthorizationPending = "authorization_pending"
	CodeSlowDown             = "slow_down"
	CodeExpiredToken         = "expired_token"

	// RFC 6750 §3.1 (bearer token use at a protected resource, e.g. userinfo).
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"

	// OpenID Connect Core 1.0 §3.1.2.6 (prompt=none cannot be honoured).
	CodeLoginRequired       = "login_required"
	CodeConsentRequired     = "consent_required"
	CodeInteractionRequired = "interaction_required"
)

// HTTP status codes this package derives. They are plain integers so that the package need not
// import net/http (DESIGN.md: oauth2 is wire vocabulary, not transport).
const (
	statusBadRequest         = 400
	statusUnauthorized       = 401
	statusForbidden          = 403
	statusInternalError      = 500
	statusServiceUnavailable = 503
)

// Error is an OAuth 2.0 error response: what the client is told, and (in Cause) what the
// operator is told. Endpoints return it; internal/web renders it as
// {"error":Code,"error_description":Description,"error_uri":URI} with HTTPStatus().
//
// Build one with a constructor (InvalidGrant("...")) rather than a literal, so that the code
// is always a registered one.
type Error struct {
	// Code is the "error" member: one of the Code* constants.
	Code string
	// Description is the optional "error_description": human-readable, for the client
	// developer, never holding a secret or an internal cause. See WireDescription.
	Description string
	// URI is the optional "error_uri": a page about the error. See WireURI.
	URI string
	// Status is the HTTP status to answer with; 0 means derive it from Code (HTTPStatus).
	Status int
	// Cause is the internal error behind this one, logged by the server and never sent.
	Cause error
	// RetryAfter, when positive, is sent as the Retry-After header in seconds (RFC 9110
	// §10.2.3), e.g. with a 429 or a 503.
	RetryAfter int
}

// NewError returns an Error with the given code and description.
func NewError(code, description string) *Error {
	return &Error{Code: code, Description: description}
}

// InvalidRequest: the request is missing a parameter, repeats one, or is otherwise malformed
// (RFC 6749 §5.2).
func InvalidRequest(description string) *Error { return NewError(CodeInvalidRequest, description) }

// InvalidClient: client authentication failed (RFC 6749 §5.2). Answered with 401.
func InvalidClient(description string) *Error { return NewError(CodeInvalidClient, description) }

// InvalidGrant: the code, refresh token or device code is invalid, expired, revoked, spent,
// or bound to another client or redirect URI (RFC 6749 §5.2).
func InvalidGrant(description string) *Error { return NewError(CodeInvalidGrant, description) }

// UnauthorizedClient: the client may not use this grant or response type (RFC 6749 §5.2).
func UnauthorizedClient(description string) *Error {
	return NewError(CodeUnauthorizedClient, description)
}

// UnsupportedGrantType: the server does not support this grant_type (RFC 6749 §5.2).
func UnsupportedGrantType(description string) *Error {
	return NewError(CodeUnsupportedGrantType, description)
}

// InvalidScope: the scope is invalid, unknown, malformed or beyond what was granted
// (RFC 6749 §5.2).
func InvalidScope(description string) *Error { return NewError(CodeInvalidScope, description) }

// AccessDenied: the user or the server refused the request (RFC 6749 §4.1.2.1,
// RFC 8628 §3.5).
func AccessDenied(description string) *Error { return NewError(CodeAccessDenied, description) }

// UnsupportedResponseType: the server does not support this response_type
// (RFC 6749 §4.1.2.1).
func UnsupportedResponseType(description string) *Error {
	return NewError(CodeUnsupportedResponseType, description)
}

// ServerError: an unexpected condition (RFC 6749 §4.1.2.1). Answered with 500. Attach the
// internal error with WithCause; the description must stay generic.
func ServerError(description string) *Error { return NewError(CodeServerError, description) }

// TemporarilyUnavailable: the server is overloaded or a dependency is down
// (RFC 6749 §4.1.2.1). Answered with 503, which clients treat as transient: a refresh that
// fails this way must not log the user out.
func TemporarilyUnavailable(description string) *Error {
	return NewError(CodeTemporarilyUnavailable, description)
}

// InvalidRedirectURI: a registered redirect URI is invalid (RFC 7591 §3.2.2).
func InvalidRedirectURI(description string) *Error {
	return NewError(CodeInvalidRedirectURI, description)
}

// InvalidClientMetadata: a client metadata field is invalid (RFC 7591 §3.2.2).
func InvalidClientMetadata(description string) *Error {
	return NewError(CodeInvalidClientMetadata, description)
}

// UnsupportedTokenType: the server cannot revoke this token type (RFC 7009 §2.2.1).
func UnsupportedTokenType(description string) *Error {
	return NewError(CodeUnsupportedTokenType, description)
}

// AuthorizationPending: the user has not yet finished the device flow; keep polling
// (RFC 8628 §3.5).
func AuthorizationPending(description string) *Error {
	return NewError(CodeAuthorizationPending, description)
}

// SlowDown: keep polling, but 5 seconds slower (RFC 8628 §3.5).
func SlowDown(description string) *Error { return NewError(CodeSlowDown, description) }

// ExpiredToken: the device code expired; start over (RFC 8628 §3.5).
func ExpiredToken(description string) *Error { return NewError(CodeExpiredToken, description) }

// InvalidToken: the bearer token is expired, revoked or malformed (RFC 6750 §3.1).
// Answered with 401.
func InvalidToken(description string) *Error { return NewError(CodeInvalidToken, description) }

// InsufficientScope: the bearer token lacks the scope the resource needs (RFC 6750 §3.1).
// Answered with 403.
func InsufficientScope(description string) *Error {
	return NewError(CodeInsufficientScope, description)
}

// LoginRequired: prompt=none was asked but nobody is logged in (OIDC Core §3.1.2.6).
func LoginRequired(description string) *Error { return NewError(CodeLoginRequired, description) }

// ConsentRequired: prompt=none was asked but consent is needed (OIDC Core §3.1.2.6).
func ConsentRequired(description string) *Error {
	return NewError(CodeConsentRequired, description)
}

// InteractionRequired: prompt=none was asked but the user must act (OIDC Core §3.1.2.6).
func InteractionRequired(description string) *Error {
	return NewError(CodeInteractionRequired, description)
}

// Error reports the code, the description and the cause, for logs. The cause never reaches
// the client: internal/web writes only the wire fields.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("oauth2: ")
	b.WriteString(e.Code)
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the cause, so that errors.Is/As see through an *Error to, say, a store error.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, oauth2.InvalidGrant("")) asks "is this an invalid_grant?".
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// WithCause returns a copy of e that carries cause for the server's log.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// WithStatus returns a copy of e answered with status instead of the derived one.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// WithRetryAfter returns a copy of e that tells the client to wait seconds before retrying.
func (e *Error) WithRetryAfter(seconds int) *Error {
	c := *e
	c.RetryAfter = seconds
	return &c
}

// WithURI returns a copy of e whose error_uri is uri.
func (e *Error) WithURI(uri string) *Error {
	c := *e
	c.URI = uri
	return &c
}

// HTTPStatus is the status to answer with: Status when set, otherwise the one the code calls
// for. RFC 6749 §5.2 makes 400 the default; invalid_client is 401 (the client must be told to
// authenticate, and MUST be when it tried the Authorization header); RFC 6750 §3.1 makes
// invalid_token 401 and insufficient_scope 403; server_error and temporarily_unavailable are
// the 500 and 503 they name on the authorization endpoint (§4.1.2.1) and RFC 7009 §2.2.1.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case CodeInvalidClient, CodeInvalidToken:
		return statusUnauthorized
	case CodeInsufficientScope:
		return statusForbidden
	case CodeServerError:
		return statusInternalError
	case CodeTemporarilyUnavailable:
		return statusServiceUnavailable
	default:
		return statusBadRequest
	}
}

// WireDescription is Description made fit for the wire. RFC 6749 §5.2 allows only
// %x20-21 / %x23-5B / %x5D-7E in error_description, so a double quote becomes a single one,
// a backslash a slash, a control character a space and any other character a '?'.
func (e *Error) WireDescription() string { return wireDescription(e.Description) }

func wireDescription(s string) string {
	if isNQSChars(s, true) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\\':
			b.WriteByte('/')
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteByte(byte(r))
		}
	}
	return b.String()
}

// WireURI is URI if it is fit for the wire and "" otherwise: RFC 6749 §5.2 allows only
// %x21 / %x23-5B / %x5D-7E in error_uri.
func (e *Error) WireURI() string {
	if isNQSChars(e.URI, false) {
		return e.URI
	}
	return ""
}

// isNQSChars reports whether every byte of s is in %x21 / %x23-5B / %x5D-7E, plus %x20 when
// spaceOK.
func isNQSChars(s string, spaceOK bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' && spaceOK {
			continue
		}
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// CodeOf returns the code of the *Error in err's chain, or "" when there is none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
