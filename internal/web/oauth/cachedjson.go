package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// cachedJSON serves one JSON document that never changes while the process runs. It is
// encoded once, so a hot path such as auth_metadata costs no encoding per request, and it
// carries a strong ETag so clients can revalidate with If-None-Match (RFC 9110 §13.1.2).
type cachedJSON struct {
	body         []byte
	etag         string
	cacheControl string
	length       string
}

func newCachedJSON(v any, cacheControl string) (*cachedJSON, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &cachedJSON{
		body:         body,
		etag:         `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`,
		cacheControl: cacheControl,
		length:       strconv.Itoa(len(body)),
	}, nil
}

// ServeHTTP answers GET and HEAD; the mux routes only those methods here.
func (c *cachedJSON) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Cache-Control"] = []string{c.cacheControl}
	h["Etag"] = []string{c.etag}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, c.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{c.length}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(c.body)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2): "*" matches, and
// so does any listed tag equal to ours with or without a W/ prefix.
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
