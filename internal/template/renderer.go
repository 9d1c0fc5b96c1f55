package template

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
)

//go:embed pages/*.html
var pageFiles embed.FS

// Response headers of every page. Shared slices, so setting them allocates nothing.
var (
	htmlContentType = []string{"text/html; charset=utf-8"}
	noStore         = []string{"no-store"}
	// No form-action directive: see the package documentation. img-src allows https: and
	// data: because client logos (RFC 7591 logo_uri) live on the client's own servers.
	pageCSP  = []string{"default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'"}
	denyHint = []string{"DENY"}
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

// Renderer holds the parsed pages and the stylesheet. It is safe for concurrent use.
type Renderer struct {
	pages      map[string]*htmltemplate.Template
	stylesheet stylesheet
	buffers    sync.Pool
}

// New parses every page and hashes the stylesheet. It fails only if an embedded file is
// broken, which a test catches before release.
func New() (*Renderer, error) {
	r := &Renderer{stylesheet: newStylesheet(styleCSS)}
	r.buffers.New = func() any { return new(bytes.Buffer) }
	funcs := htmltemplate.FuncMap{
		"langOrDefault":  langOrDefault,
		"stylesheetPath": r.StylesheetPath,
		"errorHeading":   errorHeading,
	}
	layout, err := htmltemplate.New("layout.html").Funcs(funcs).ParseFS(pageFiles, "pages/layout.html")
	if err != nil {
		return nil, fmt.Errorf("template: parsing layout: %w", err)
	}
	names, err := fs.Glob(pageFiles, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("template: listing pages: %w", err)
	}
	r.pages = make(map[string]*htmltemplate.Template, len(names))
	for _, path := range names {
		name := path[len("pages/"):]
		if name == "layout.html" {
			continue
		}
		page, err := layout.Clone()
		if err == nil {
			page, err = page.ParseFS(pageFiles, path)
		}
		if err != nil {
			return nil, fmt.Errorf("template: parsing %s: %w", name, err)
		}
		r.pages[name] = page
	}
	return r, nil
}

// Render writes page with the given status. It renders into a buffer first, so a template
// error never sends half a page: then it answers a plain 500 page and returns the error for
// the caller to log. The caller is expected to have sent nothing yet.
func (r *Renderer) Render(w http.ResponseWriter, status int, page Page) error {
	buf := r.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.putBuffer(buf)

	err := r.execute(buf, page)
	if err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(fallbackPage)
	}
	h := w.Header()
	h["Content-Type"] = htmlContentType
	h["Cache-Control"] = noStore
	h["Content-Security-Policy"] = pageCSP
	h["X-Frame-Options"] = denyHint
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // a write error means the client went away; nothing to do
	return err
}

func (r *Renderer) execute(buf *bytes.Buffer, page Page) error {
	if page == nil {
		return fmt.Errorf("template: Render called with a nil page")
	}
	t, ok := r.pages[page.templateName()]
	if !ok {
		return fmt.Errorf("template: no page %q", page.templateName())
	}
	if err := t.ExecuteTemplate(buf, "layout", page); err != nil {
		return fmt.Errorf("template: rendering %s: %w", page.templateName(), err)
	}
	return nil
}

// putBuffer returns buf to the pool unless a huge page grew it, so one outlier does not pin
// its memory for the life of the process.
func (r *Renderer) putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		r.buffers.Put(buf)
	}
}

func langOrDefault(lang string) string {
	if lang == "" {
		return "en"
	}
	return lang
}

// errorHeading is the error page's heading: the handler's title, else the status text.
func errorHeading(title string, status int) string {
	if title != "" {
		return title
	}
	if text := http.StatusText(status); text != "" {
		return text
	}
	return "Something went wrong"
}
