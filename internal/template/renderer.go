package template

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/mxauth/mxauth/internal/i18n"
)

//go:embed pages/*.html
var pageFiles embed.FS

// sharedFiles hold the layout and the partials every page is parsed with.
var sharedFiles = []string{"pages/layout.html", "pages/forms.html"}

// Response headers of every page. Shared slices, so setting them allocates nothing.
var (
	htmlContentType = []string{"text/html; charset=utf-8"}
	noStore         = []string{"no-store"}
	// No form-action directive and no script-src (default-src 'none' covers scripts: there
	// are none): see the package documentation. img-src allows https: and data: because
	// logos (the operator's, and clients' RFC 7591 logo_uri) live on other servers.
	pageCSP  = []string{"default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'"}
	denyHint = []string{"DENY"}
	// same-origin rather than no-referrer: under no-referrer a browser sends "Origin: null"
	// with a form POST (Fetch §3.1), which http.CrossOriginProtection rejects on browsers
	// without Sec-Fetch-Site. Cross-origin requests (client links, logos, the redirect back
	// to the client) still get no Referer, so the grant id in a page URL never leaks.
	referrerPolicy = []string{"same-origin"}
	noSniff        = []string{"nosniff"}
	// The language comes from Accept-Language (RFC 9110 §12.5.5).
	varyLanguage = []string{"Accept-Language"}
)

// fallbackPage answers when a template fails: static, so it cannot fail in turn.
const fallbackPage = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Internal Server Error</title>
<h1>Internal Server Error</h1>
<p>The server could not show this page. Please try again later.</p>
</html>
`

// Renderer holds the parsed pages, one set per language, and the stylesheet. It is safe for
// concurrent use.
type Renderer struct {
	bundle         *i18n.Bundle
	sets           map[string]*pageSet // by language tag
	stylesheet     asset
	registerScript asset
	buffers        sync.Pool
}

// pageSet is every page parsed with one language's template functions.
type pageSet struct {
	pages           map[string]*htmltemplate.Template
	contentLanguage []string // the Content-Language header (RFC 9110 §8.5)
}

// New loads the message catalogues (internal/i18n), parses every page once per language and
// hashes the stylesheet. It fails only if an embedded file is broken, which a test catches
// before release.
func New() (*Renderer, error) {
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	r := &Renderer{bundle: bundle, stylesheet: newStylesheet(styleCSS),
		registerScript: newAsset("register", "js", jsContentType, registerJS), sets: map[string]*pageSet{}}
	r.buffers.New = func() any { return new(bytes.Buffer) }
	names, err := fs.Glob(pageFiles, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("template: listing pages: %w", err)
	}
	for _, lang := range bundle.Languages() {
		set, err := r.parseSet(lang, names)
		if err != nil {
			return nil, err
		}
		r.sets[lang.Tag()] = set
	}
	return r, nil
}

func (r *Renderer) parseSet(lang i18n.Language, names []string) (*pageSet, error) {
	shared, err := htmltemplate.New("layout.html").Funcs(r.funcs(lang)).ParseFS(pageFiles, sharedFiles...)
	if err != nil {
		return nil, fmt.Errorf("template: parsing the layout: %w", err)
	}
	set := &pageSet{pages: make(map[string]*htmltemplate.Template, len(names)), contentLanguage: []string{lang.Tag()}}
	for _, path := range names {
		if slices.Contains(sharedFiles, path) {
			continue
		}
		name := path[len("pages/"):]
		page, err := shared.Clone()
		if err == nil {
			page, err = page.ParseFS(pageFiles, path)
		}
		if err != nil {
			return nil, fmt.Errorf("template: parsing %s: %w", name, err)
		}
		set.pages[name] = page
	}
	return set, nil
}

// Bundle is the message catalogues the pages are translated with; handlers pick a page's
// language with Bundle().Match(r.Header.Get("Accept-Language")).
func (r *Renderer) Bundle() *i18n.Bundle { return r.bundle }

// Render writes page with the given status. It renders into a buffer first, so a template
// error never sends half a page: then it answers a plain 500 page and returns the error for
// the caller to log. The caller is expected to have sent nothing yet.
func (r *Renderer) Render(w http.ResponseWriter, status int, page Page) error {
	buf := r.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.putBuffer(buf)

	contentLanguage, err := r.execute(buf, page)
	if err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(fallbackPage)
		contentLanguage = []string{i18n.Source}
	}
	h := w.Header()
	h["Content-Type"] = htmlContentType
	h["Content-Language"] = contentLanguage
	h["Cache-Control"] = noStore
	h["Content-Security-Policy"] = pageCSP
	if _, ok := page.(scriptedPage); ok && err == nil {
		h["Content-Security-Policy"] = scriptedPageCSP
	}
	h["X-Frame-Options"] = denyHint
	h["Referrer-Policy"] = referrerPolicy
	h["X-Content-Type-Options"] = noSniff
	if vary := h["Vary"]; len(vary) == 0 {
		h["Vary"] = varyLanguage
	} else if !slices.Contains(vary, varyLanguage[0]) {
		h["Vary"] = append(vary, varyLanguage[0])
	}
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // a write error means the client went away; nothing to do
	return err
}

// execute renders page into buf in the page's language and returns the Content-Language.
func (r *Renderer) execute(buf *bytes.Buffer, page Page) ([]string, error) {
	if page == nil {
		return nil, fmt.Errorf("template: Render called with a nil page")
	}
	set := r.setFor(page.base().Lang)
	t, ok := set.pages[page.templateName()]
	if !ok {
		return nil, fmt.Errorf("template: no page %q", page.templateName())
	}
	if err := t.ExecuteTemplate(buf, "layout", page); err != nil {
		return nil, fmt.Errorf("template: rendering %s: %w", page.templateName(), err)
	}
	return set.contentLanguage, nil
}

// setFor returns the pages of a language tag: the exact one handlers set after Match, else
// the nearest supported language (an empty or unknown tag gets the source language).
func (r *Renderer) setFor(tag string) *pageSet {
	if set, ok := r.sets[tag]; ok {
		return set
	}
	return r.sets[r.bundle.Match(tag).Tag()]
}

// putBuffer returns buf to the pool unless a huge page grew it, so one outlier does not pin
// its memory for the life of the process.
func (r *Renderer) putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		r.buffers.Put(buf)
	}
}
