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
	jsContentType  = []string{"text/javascript; charset=utf-8"}
	// The path changes whenever the content does, so a browser may keep the file for a year
	// without asking again (RFC 8246 immutable).
	cacheForever = []string{"public, max-age=31536000, immutable"}
)

// asset is one static file, with its content-hashed path.
type asset struct {
	path        string
	etag        []string
	contentType []string
	content     []byte
}

// newAsset names content name.<hash>.ext under AssetPrefix.
func newAsset(name, ext string, contentType []string, content []byte) asset {
	sum := sha256.Sum256(content)
	// 64 bits of the hash tell versions apart; the path is a cache key, not a security check.
	hash := hex.EncodeToString(sum[:8])
	return asset{
		path:        AssetPrefix + name + "." + hash + "." + ext,
		etag:        []string{`"` + hash + `"`},
		contentType: contentType,
		content:     content,
	}
}

// newStylesheet is the one CSS file as an asset.
func newStylesheet(content []byte) asset { return newAsset("style", "css", cssContentType, content) }

// StylesheetPath is the URL path of the stylesheet, e.g. "/assets/style.0123456789abcdef.css".
// Pages link to it; it changes whenever the stylesheet does.
func (r *Renderer) StylesheetPath() string { return r.stylesheet.path }

// RegisterScriptPath is the URL path of the sign-up page's script, e.g.
// "/assets/register.0123456789abcdef.js"; it changes whenever the script does.
func (r *Renderer) RegisterScriptPath() string { return r.registerScript.path }

// AssetHandler serves the stylesheet at StylesheetPath and the sign-up script at
// RegisterScriptPath (GET and HEAD) and answers 404 to every other path, including an older
// hash: the browser then fetches the page again.
func (r *Renderer) AssetHandler() http.Handler {
	return http.HandlerFunc(r.serveAsset)
}

func (r *Renderer) serveAsset(w http.ResponseWriter, req *http.Request) {
	var a *asset
	switch req.URL.Path {
	case r.stylesheet.path:
		a = &r.stylesheet
	case r.registerScript.path:
		a = &r.registerScript
	default:
		http.NotFound(w, req)
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h["Content-Type"] = a.contentType
	h["Cache-Control"] = cacheForever
	h["Etag"] = a.etag
	// ServeContent answers If-None-Match with 304, HEAD without a body, and ranges.
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(a.content))
}
