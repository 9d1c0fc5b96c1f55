package web

import (
	"net/http"
	"strings"
)

// matrixPrefix is where the Matrix Client-Server API lives; unknown routes there are answered
// in Matrix form.
const matrixPrefix = "/_matrix/"

func isMatrixPath(path string) bool {
	return strings.HasPrefix(path, matrixPrefix) || path == "/_matrix"
}

// responseRecorder wraps the ResponseWriter to learn the status and size for the access log
// and metrics, and to replace the ServeMux's plain-text 404 and 405 under /_matrix/ with
// M_UNRECOGNIZED.
type responseRecorder struct {
	http.ResponseWriter
	st *requestState

	status      int
	bytes       int64
	wroteHeader bool
	// discardBody is set once the recorder has written its own body in place of the
	// handler's; the handler's writes are then dropped.
	discardBody bool
}

// WriteHeader records the status. When the ServeMux itself answers 404 or 405 under
// /_matrix/ (no pattern matched, so the request's Pattern is still ""), it writes the Matrix
// error instead (CS API §API standards: "the server SHOULD respond with 404 and an
// M_UNRECOGNIZED error code" for an unknown endpoint, 405 for a known one used with the wrong
// method). The mux's Allow header stays.
func (rw *responseRecorder) WriteHeader(code int) {
	if rw.wroteHeader {
		rw.ResponseWriter.WriteHeader(code) // superfluous; net/http logs it
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		rw.ResponseWriter.WriteHeader(code) // informational; the final status comes later
		return
	}
	rw.wroteHeader = true
	rw.status = code
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) &&
		rw.st.req.Pattern == "" && isMatrixPath(rw.st.req.URL.Path) {
		rw.discardBody = true
		h := rw.Header()
		h.Del("X-Content-Type-Options") // http.Error set its own copy; put ours back
		h["X-Content-Type-Options"] = noSniff
		w := countingWriter{rw}
		WriteMatrixError(w, code, ErrCodeUnrecognized, "Unrecognized request")
		return
	}
	rw.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes written, implying a 200 status as net/http does.
func (rw *responseRecorder) Write(p []byte) (int, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.discardBody {
		return len(p), nil
	}
	n, err := rw.ResponseWriter.Write(p)
	rw.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the recorder.
func (rw *responseRecorder) Flush() {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	if f, ok := rw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController access to the underlying writer's deadlines, hijacking
// and full-duplex support.
func (rw *responseRecorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// countingWriter writes the recorder's own bodies straight to the underlying writer while
// still counting them.
type countingWriter struct{ rw *responseRecorder }

func (c countingWriter) Header() http.Header { return c.rw.ResponseWriter.Header() }

func (c countingWriter) WriteHeader(code int) { c.rw.ResponseWriter.WriteHeader(code) }

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.rw.ResponseWriter.Write(p)
	c.rw.bytes += int64(n)
	return n, err
}
