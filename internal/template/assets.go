package template

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

// AssetPrefix is the path prefix under which AssetHandler serves files; mount the handler
// there, without stripping the prefix: mux.Handle("GET "+AssetPrefix, r.AssetHandler()).
const AssetPrefix = "/assets/"

//go:embed static/style.css
var styleCSS []byte

var (
	cssContentType = []string{"text/css; charset=utf-8"}
	// The path changes whenever the content does, so a browser may keep the file for a year
	// without asking again (RFC 8246 immutable).
	cacheForever = []string{"public, max-age=31536000, immutable"}
)

// stylesheet is the one CSS file, with its content-hashed path.
type stylesheet struct {
	path    string
	etag    []string
	content []byte
}

func newStylesheet(content []byte) stylesheet {
	sum := sha256.Sum256(content)
	// 64 bits of the hash tell versions apart; the path is a cache key, not a security check.
	hash := hex.EncodeToString(sum[:8])
	return stylesheet{
		path:    AssetPrefix + "style." + hash + ".css",
		etag:    []string{`"` + hash + `"`},
		content: content,
	}
}

// StylesheetPath is the URL path of the stylesheet, e.g. "/assets/style.0123456789abcdef.css".
// Pages link to it; it changes whenever the stylesheet does.
func (r *Renderer) StylesheetPath() string { return r.stylesheet.path }

// AssetHandler serves the stylesheet at StylesheetPath (GET and HEAD) and answers 404 to
// every other path, including an older hash: the browser then fetches the page again.
func (r *Renderer) AssetHandler() http.Handler {
	return http.HandlerFunc(r.serveAsset)
}

func (r *Renderer) serveAsset(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != r.stylesheet.path {
		http.NotFound(w, req)
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h["Content-Type"] = cssContentType
	h["Cache-Control"] = cacheForever
	h["Etag"] = r.stylesheet.etag
	// ServeContent answers If-None-Match with 304, HEAD without a body, and ranges.
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(r.stylesheet.content))
}
