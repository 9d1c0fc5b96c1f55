package template

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mxauth/mxauth/internal/browsertest"
)

var screenshotDir = flag.String("template.screenshots", "", "write PNG screenshots of every page case on a phone to this directory")

// box is an interactive element's size as the browser laid it out.
type box struct {
	Tag, Class, Text string
	Width, Height    float64
}

// measureTargets lists the visible buttons, text fields and links of the page.
const measureTargets = `Array.from(document.querySelectorAll('button, input:not([type=hidden]), a:not(.skip-link)')).map(e => {
	const r = e.getBoundingClientRect();
	return {Tag: e.tagName, Class: e.className, Text: (e.textContent || e.name || '').trim().slice(0, 40), Width: r.width, Height: r.height};
})`

// TestPagesOnAPhone loads every page case, in every language, in Chromium on a 360px-wide
// phone, in light and dark mode: no page may scroll sideways or break its Content-Security-
// Policy, buttons must be big enough to tap (44px, as the stylesheet promises) and every
// other target at least 24px high (WCAG 2.2 SC 2.5.8). The site's tab key order starts with
// the skip link, which must show a focus ring.
func TestPagesOnAPhone(t *testing.T) {
	ctx := browsertest.New(t)
	r := newRenderer(t)
	cases := map[string]Page{}
	for _, tc := range localizedCases() {
		cases["/"+tc.golden] = tc.page
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+AssetPrefix, r.AssetHandler())
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /page/", func(w http.ResponseWriter, req *http.Request) {
		page, ok := cases[strings.TrimPrefix(req.URL.Path, "/page")]
		if !ok {
			http.NotFound(w, req)
			return
		}
		if err := r.Render(w, http.StatusOK, page); err != nil {
			t.Errorf("rendering %s: %v", req.URL.Path, err)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	log := browsertest.RecordLog(ctx, t)
	browsertest.EmulatePhone(ctx, t, 360, 740)

	for _, scheme := range []string{"light", "dark"} {
		browsertest.EmulateColorScheme(ctx, t, scheme)
		for _, tc := range localizedCases() {
			log.Reset()
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/page/"+tc.golden)); err != nil {
				t.Fatalf("opening %s: %v", tc.golden, err)
			}
			if overflow := browsertest.HorizontalOverflow(ctx, t); overflow > 0 {
				t.Errorf("%s (%s): %.0fpx wider than a 360px phone", tc.golden, scheme, overflow)
			}
			boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[]box](measureTargets))
			if err != nil {
				t.Fatalf("%s: measuring: %v", tc.golden, err)
			}
			for _, b := range boxes {
				minHeight := 24.0
				if strings.Contains(" "+b.Class+" ", " button ") {
					minHeight = 44
				}
				if b.Height < minHeight {
					t.Errorf("%s: %s.%s %q is %.0fpx high, want at least %.0fpx", tc.golden, b.Tag, b.Class, b.Text, b.Height, minHeight)
				}
			}
			for _, e := range log.Entries() {
				if e.Source == "security" {
					t.Errorf("%s: %s", tc.golden, e)
				}
			}
			if *screenshotDir != "" {
				name := strings.ReplaceAll(strings.TrimSuffix(tc.golden, ".html"), "/", "-") + "-" + scheme + ".png"
				browsertest.Screenshot(ctx, t, filepath.Join(*screenshotDir, name))
			}
		}
	}
	focusRing(t, ctx, srv.URL+"/page/de/login_error.html")
}

// focusRing tabs to the first element and checks that it is the skip link, drawn with an
// outline.
func focusRing(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.KeyEvent("\t")); err != nil {
		t.Fatalf("tabbing on %s: %v", url, err)
	}
	type focused struct{ Class, Outline string }
	got, err := chromedp.Run(ctx, chromedp.Evaluate[focused](`(() => {
		const e = document.activeElement;
		return {Class: e.className, Outline: getComputedStyle(e).outlineStyle + " " + getComputedStyle(e).outlineWidth};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Class != "skip-link" || got.Outline != "solid 3px" {
		t.Errorf("after one Tab the focus is on .%s with outline %q, want the skip link with a solid 3px outline", got.Class, got.Outline)
	}
}
