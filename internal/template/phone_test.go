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
	"github.com/google/go-cmp/cmp"

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
// phone: no page may scroll sideways or break its Content-Security-
// Policy, buttons must be big enough to tap (44px, as the stylesheet promises) and every
// other target at least 24px high (WCAG 2.2 SC 2.5.8); keyboard focus must show a ring.
func TestPagesOnAPhone(t *testing.T) {
	ctx := browsertest.New(t)
	r := newRenderer(t)
	cases := map[string]Page{}
	for _, tc := range localizedCases() {
		cases["/"+tc.golden] = tc.page
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+AssetPrefix, r.AssetHandler())
	mux.Handle("GET /auth"+AssetPrefix, http.StripPrefix("/auth", r.AssetHandler())) // error_under_prefix.html
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

	// The layout is the same in both colour schemes; dark mode is only worth a screenshot.
	schemes := []string{"light"}
	if *screenshotDir != "" {
		schemes = append(schemes, "dark")
	}
	for _, scheme := range schemes {
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
	// The first Tab reaches the skip link; Tab from the username field reaches the password.
	focusRing(t, ctx, srv.URL+"/page/en/consent.html", "", "skip-link")
	focusRing(t, ctx, srv.URL+"/page/de/login_error.html", "#username", "password")
}

// focusRing loads url, focuses the element from (none: the page itself; the sign-in page's
// autofocus would race with the key press), presses Tab and checks that the element it
// reaches (named by its id or class) is drawn with the stylesheet's focus ring.
func focusRing(t *testing.T, ctx context.Context, url, from, want string) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(url)}
	if from != "" {
		steps = append(steps, chromedp.Focus(chromedp.CSS(from)))
	} else {
		steps = append(steps, chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	}
	steps = append(steps, chromedp.KeyEvent("\t"))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("loading %s: %v", url, err)
	}
	type focused struct{ Name, Outline string }
	got, err := chromedp.Run(ctx, chromedp.Evaluate[focused](`(() => {
		const e = document.activeElement, s = getComputedStyle(e);
		return {Name: e.id || e.className, Outline: s.outlineStyle + " " + s.outlineWidth};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(focused{want, "solid 3px"}, got); diff != "" {
		t.Errorf("%s: focused element (-want +got):\n%s", url, diff)
	}
}
