package synapsetest

import (
	"encoding/json"
	"net/http"
)

// Error codes Synapse uses on the paths served here (synapse/api/errors.py, Codes).
const (
	codeUnknown         = "M_UNKNOWN"
	codeForbidden       = "M_FORBIDDEN"
	codeNotFound        = "M_NOT_FOUND"
	codeMissingParam    = "M_MISSING_PARAM"
	codeInvalidParam    = "M_INVALID_PARAM"
	codeBadJSON         = "M_BAD_JSON"
	codeNotJSON         = "M_NOT_JSON"
	codeTooLarge        = "M_TOO_LARGE"
	codeInvalidUsername = "M_INVALID_USERNAME"
	codeUserInUse       = "M_USER_IN_USE"
	codeExclusive       = "M_EXCLUSIVE"
	codeMissingToken    = "M_MISSING_TOKEN"
	codeUnknownToken    = "M_UNKNOWN_TOKEN"
	codeUnrecognized    = "M_UNRECOGNIZED"
	codeInvalidSig      = "M_INVALID_SIGNATURE"
)

// apiError is a Synapse error answer: status, errcode, message and any extra fields
// (SynapseError's additional_fields).
type apiError struct {
	status  int
	code    string
	message string
	extra   map[string]any
}

func newError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

// invalidToken is InvalidClientTokenError: 401 M_UNKNOWN_TOKEN with soft_logout false.
func invalidToken(message string) *apiError {
	return &apiError{status: http.StatusUnauthorized, code: codeUnknownToken, message: message,
		extra: map[string]any{"soft_logout": false}}
}

// authError is AuthError, whose errcode defaults to M_FORBIDDEN even for its 500s.
func authError(status int, message string) *apiError {
	return newError(status, codeForbidden, message)
}

// internalError is what Synapse answers when a handler raises an unexpected exception.
func internalError() *apiError {
	return newError(http.StatusInternalServerError, codeUnknown, "Internal server error")
}

func (e *apiError) write(w http.ResponseWriter) {
	body := map[string]any{"errcode": e.code, "error": e.message}
	for k, v := range e.extra {
		body[k] = v
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		status, encoded = http.StatusInternalServerError, []byte(`{"errcode":"M_UNKNOWN","error":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// writeEmpty answers the `{}` most MAS API calls answer.
// A 204 carries no body at all (RFC 9110 §15.3.5).
func writeEmpty(w http.ResponseWriter, status int) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, struct{}{})
}
