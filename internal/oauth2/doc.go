// Package oauth2 is mxauth's wire vocabulary for OAuth 2.0: the error codes and the Error
// type every protocol endpoint returns (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1,
// RFC 8628 §3.5, RFC 6750 §3.1), and the other protocol words (grant types, response modes,
// scopes, PKCE, form parsing) that endpoints share.
//
// It holds no I/O and imports neither net/http nor database/sql (a deps test enforces this),
// so that the model, store and web layers can all speak it. HTTP status codes appear here as
// plain integers; internal/web turns an *Error into a response in one place.
package oauth2
