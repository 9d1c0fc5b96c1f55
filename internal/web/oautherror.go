package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/mxauth/mxauth/internal/oauth2"
)

// basicChallenge is the WWW-Authenticate challenge for client authentication at the token,
// revocation and introspection endpoints: HTTP Basic is the only header scheme offered
// (client_secret_basic, RFC 6749 §2.3.1).
var basicChallenge = []string{`Basic realm="mxauth"`}

// noStore keeps OAuth responses out of caches (RFC 6749 §5.1, §5.2).
var noStore = []string{"no-store"}

// genericServerErrorDescription is all a client learns about an unexpected failure; the
// cause goes to the log with the request id, which the client has in X-Request-Id.
const genericServerErrorDescription = "The server encountered an unexpected error."

// oauthErrorBody is the wire form of RFC 6749 §5.2.
type oauthErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	URI         string `json:"error_uri,omitempty"`
}

// WriteOAuthError answers a protocol endpoint's error as RFC 6749 §5.2 JSON, with
// Cache-Control: no-store. This is the one place where errors become OAuth responses
// (DESIGN.md house rule 5):
//
//   - an *oauth2.Error anywhere in err's chain is sent with its code, wire-safe description,
//     error_uri and HTTPStatus(); when that status is 5xx, err (with its Cause) is logged;
//   - a request body over the cap becomes 413 invalid_request;
//   - anything else is logged once, with the request id, and answered 500 server_error with a
//     generic description: the cause never reaches the client.
//
// A 401 carries WWW-Authenticate: Basic realm="mxauth". RFC 6749 §5.2 requires it when the
// client tried the Authorization header, and RFC 9110 §15.5.2 requires a challenge on every
// 401, so it is sent on all of them.
//
// log may be nil, in which case the request's logger (Options.Logger) is used.
func WriteOAuthError(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger) {
	var oe *oauth2.Error
	switch {
	case errors.As(err, &oe):
		if oe.HTTPStatus() >= http.StatusInternalServerError {
			logCause(r, err, log) // a 5xx is the server's failure: leave a trace of why
		}
	case IsBodyTooLarge(err):
		oe = OAuthBodyError(err).(*oauth2.Error)
	default:
		if err == nil {
			err = errors.New("web.WriteOAuthError called with a nil error")
		}
		logCause(r, err, log)
		oe = oauth2.ServerError(genericServerErrorDescription)
	}
	writeOAuthError(w, oe)
}

func writeOAuthError(w http.ResponseWriter, oe *oauth2.Error) {
	status := oe.HTTPStatus()
	body, err := marshalJSON(oauthErrorBody{
		Error:       oe.Code,
		Description: oe.WireDescription(),
		URI:         oe.WireURI(),
	})
	if err != nil {
		// Three strings always encode; should that ever change, still answer in OAuth form.
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	h := w.Header()
	h["Cache-Control"] = noStore
	if status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		// A handler that set its own challenge (Bearer, RFC 6750 §3) keeps it.
		h["Www-Authenticate"] = basicChallenge
	}
	if oe.RetryAfter > 0 {
		h["Retry-After"] = []string{strconv.Itoa(oe.RetryAfter)}
	}
	writeJSONBody(w, status, body)
}

// OAuthBodyError turns an error from reading or parsing a request body into the OAuth error
// to answer with: 413 invalid_request when the body is over the cap, 400 invalid_request
// otherwise (with the read error kept as the cause). It returns nil for a nil err.
//
//	if err := r.ParseForm(); err != nil {
//		web.WriteOAuthError(w, r, web.OAuthBodyError(err), nil)
//		return
//	}
func OAuthBodyError(err error) error {
	if err == nil {
		return nil
	}
	if IsBodyTooLarge(err) {
		return oauth2.InvalidRequest("The request body is too large.").
			WithStatus(http.StatusRequestEntityTooLarge).WithCause(err)
	}
	return oauth2.InvalidRequest("The request body could not be read.").WithCause(err)
}
