package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
)

// Matrix error codes this package and its callers answer with (Matrix CS API §Standard error
// response).
const (
	ErrCodeUnknown       = "M_UNKNOWN"
	ErrCodeUnrecognized  = "M_UNRECOGNIZED"
	ErrCodeTooLarge      = "M_TOO_LARGE"
	ErrCodeNotJSON       = "M_NOT_JSON"
	ErrCodeBadJSON       = "M_BAD_JSON"
	ErrCodeMissingToken  = "M_MISSING_TOKEN"
	ErrCodeUnknownToken  = "M_UNKNOWN_TOKEN"
	ErrCodeForbidden     = "M_FORBIDDEN"
	ErrCodeNotFound      = "M_NOT_FOUND"
	ErrCodeLimitExceeded = "M_LIMIT_EXCEEDED"
)

// jsonContentType is shared by every JSON response; a fixed one-element slice lets us set the
// header without allocating (Header.Set and Add replace or copy it, never write into it).
var jsonContentType = []string{"application/json"}

// WriteJSON answers with status and v encoded as JSON. If v cannot be encoded (a programming
// error) it writes nothing and returns the error, so that the caller can answer with its own
// error vocabulary.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	body, err := marshalJSON(v)
	if err != nil {
		return err
	}
	writeJSONBody(w, status, body)
	return nil
}

// marshalJSON is json.Marshal without HTML escaping: the bodies are JSON, never embedded in
// HTML, and URLs in them (discovery, client metadata) read better with a plain '&'.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSONBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body) // A write error means the client has gone; nobody is left to tell.
}

// MatrixError is an error in the Matrix Client-Server API's vocabulary: an HTTP status and a
// body {"errcode":"M_...","error":"..."}. Handlers under /_matrix/ return it to
// WriteMatrixErrorFrom.
type MatrixError struct {
	Status  int
	ErrCode string
	Message string
}

// Error reports the errcode and message, for logs.
func (e *MatrixError) Error() string { return e.ErrCode + ": " + e.Message }

// matrixErrorBody is the wire form; the field order gives {"errcode":...,"error":...}.
type matrixErrorBody struct {
	ErrCode string `json:"errcode"`
	Error   string `json:"error"`
}

// WriteMatrixError answers with status and {"errcode":errcode,"error":msg}.
func WriteMatrixError(w http.ResponseWriter, status int, errcode, msg string) {
	body, err := marshalJSON(matrixErrorBody{ErrCode: errcode, Error: msg})
	if err != nil {
		// Two strings always encode; should that ever change, still answer in Matrix form.
		status, body = http.StatusInternalServerError, []byte(`{"errcode":"M_UNKNOWN","error":"Internal server error"}`)
	}
	writeJSONBody(w, status, body)
}

// WriteMatrixErrorFrom answers a handler's error in Matrix form: a *MatrixError as it is, a
// request body over the cap as 413 M_TOO_LARGE, and anything else as 500 M_UNKNOWN with a
// generic message, after logging the cause once with the request id. log may be nil, in
// which case the request's logger (Options.Logger) is used.
func WriteMatrixErrorFrom(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger) {
	var me *MatrixError
	if errors.As(err, &me) {
		WriteMatrixError(w, me.Status, me.ErrCode, me.Message)
		return
	}
	if IsBodyTooLarge(err) {
		WriteMatrixError(w, http.StatusRequestEntityTooLarge, ErrCodeTooLarge, "Request body too large")
		return
	}
	logCause(r, err, log)
	WriteMatrixError(w, http.StatusInternalServerError, ErrCodeUnknown, "Internal server error")
}

// IsBodyTooLarge reports whether err comes from reading a request body past the cap that
// NewHandler puts on it (Options.MaxBodyBytes).
func IsBodyTooLarge(err error) bool {
	var tooLarge *http.MaxBytesError
	return errors.As(err, &tooLarge)
}

// logCause logs an error the client is not told about, once, with the request id. A request
// whose client has gone away is routine, not an error.
func logCause(r *http.Request, err error, log *slog.Logger) {
	ctx := r.Context()
	level := slog.LevelError
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		level = slog.LevelInfo
	}
	requestLogger(ctx, log).LogAttrs(ctx, level, "request failed",
		slog.String("method", r.Method),
		slog.String("path", truncatedPath(r.URL.Path)),
		slog.Any("error", err))
}

// requestLogger is log with the request id attached, or the request's own logger when log
// is nil.
func requestLogger(ctx context.Context, log *slog.Logger) *slog.Logger {
	if log == nil {
		return Logger(ctx)
	}
	if id := RequestID(ctx); id != "" {
		return log.With(slog.String("request_id", id))
	}
	return log
}
