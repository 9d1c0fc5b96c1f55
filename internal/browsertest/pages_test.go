package browsertest

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/template"
)

var screenshotDir = flag.String("browsertest.screenshots", "", "write PNG screenshots of the pages to this directory")

func computedStyle(t *testing.T, ctx context.Context, selector, property string) string {
	t.Helper()
	props, err := chromedp.Run(ctx, chromedp.ComputedStyle(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("computed style of %s: %v", selector, err)
	}
	for _, p := range props {
		if p.Name == property {
			return p.Value
		}
	}
	t.Fatalf("%s has no computed %s", selector, property)
	return ""
}

func navigate(t *testing.T, ctx context.Context, url string, wantStatus int) {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	if resp.Status != int64(wantStatus) {
		t.Errorf("GET %s: status %d, want %d", url, resp.Status, wantStatus)
	}
}

// wantNoLogEntries fails t for every message in the browser log: a page of mxauth should not
// make the browser complain, and a CSP violation is reported there. The browser logs every
// 4xx/5xx response as a network error; errorPageURL names the one page whose error status is
// intended.
func wantNoLogEntries(t *testing.T, rec *LogRecorder, errorPageURL string) {
	t.Helper()
	for _, e := range rec.Entries() {
		if e.Source == "network" && errorPageURL != "" && e.URL == errorPageURL {
			continue
		}
		t.Errorf("browser log: %s", e)
	}
}

// TestPagesInChromium walks through the pages in one browser tab, one step per subtest; the
// steps after "JavaScript is off" run without JavaScript.
func TestPagesInChromium(t *testing.T) {
	ctx := New(t)
	site := newPageSite(t)
	log := RecordLog(ctx, t)
	step := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			log.Reset() // a failed step may have left its messages and submissions
			site.forgetSubmissions()
			f(t)
		})
	}
	shot := func(t *testing.T, name string) {
		if *screenshotDir != "" {
			Screenshot(ctx, t, filepath.Join(*screenshotDir, name))
		}
	}

	step("a CSP violation is seen", func(t *testing.T) {
		navigate(t, ctx, site.url("/violation"), http.StatusOK)
		var found bool
		for _, e := range log.Entries() {
			found = found || e.Source == "security" && strings.Contains(e.Text, "Content Security Policy")
		}
		if !found {
			t.Errorf("the inline style on /violation left no CSP violation in the log: %v", log.Entries())
		}
	})

	step("login page is styled", func(t *testing.T) {
		navigate(t, ctx, site.url("/login"), http.StatusOK)
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil {
			t.Fatal(err)
		}
		if title != "Sign in · example.com" {
			t.Errorf("title = %q", title)
		}
		// Chromium's defaults: body has an 8px margin, blocks no max-width, buttons square corners.
		for _, tc := range []struct{ selector, property, browserDefault string }{
			{"body", "margin-top", "8px"},
			{"main", "max-width", "none"},
			{"button[type=submit]", "border-top-left-radius", "0px"},
		} {
			if got := computedStyle(t, ctx, tc.selector, tc.property); got == tc.browserDefault {
				t.Errorf("%s %s = %s, the browser default: the stylesheet was not applied", tc.selector, tc.property, got)
			}
		}
		shot(t, "login.png")
		wantNoLogEntries(t, log, "")
	})

	step("dark mode", func(t *testing.T) {
		light := computedStyle(t, ctx, "body", "background-color")
		EmulateColorScheme(ctx, t, "dark")
		defer EmulateColorScheme(ctx, t, "")
		// Load the page again: switching the scheme on a loaded page starts the stylesheet's
		// colour transitions, and a screenshot would catch them halfway.
		navigate(t, ctx, site.url("/login"), http.StatusOK)
		if dark := computedStyle(t, ctx, "body", "background-color"); dark == light {
			t.Errorf("body background is %s in both color schemes", dark)
		}
		shot(t, "login-dark.png")
	})

	DisableJavaScript(ctx, t)
	step("JavaScript is off", func(t *testing.T) {
		navigate(t, ctx, site.url("/script-probe"), http.StatusOK)
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil {
			t.Fatal(err)
		}
		if title != "script did not run" {
			t.Fatalf("a page script ran (title %q) after DisableJavaScript", title)
		}
	})

	step("login form submits without JavaScript", func(t *testing.T) {
		navigate(t, ctx, site.url("/login"), http.StatusOK)
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("username"), "alice"),
			chromedp.SendKeys(chromedp.ID("password"), "correct horse battery staple"),
		); err != nil {
			t.Fatal(err)
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("button[type=submit]")))
		if err != nil {
			t.Fatalf("submitting the login form: %v", err)
		}
		want := submission{Path: "/login", Form: url.Values{
			template.FieldCSRF:     {testCSRFToken},
			template.FieldNext:     {testNext},
			template.FieldUsername: {"alice"},
			template.FieldPassword: {"correct horse battery staple"},
		}}
		if diff := cmp.Diff(want, site.nextSubmission(t)); diff != "" {
			t.Errorf("POST /login (-want +got):\n%s", diff)
		}
		if resp.URL != site.url("/consent") || resp.Status != http.StatusOK {
			t.Errorf("after the login the browser is at %s (status %d), want %s", resp.URL, resp.Status, site.url("/consent"))
		}
		wantNoLogEntries(t, log, "")
	})

	for _, decision := range []string{template.ActionAllow, template.ActionDeny} {
		step("consent "+decision+" redirects to the client", func(t *testing.T) {
			navigate(t, ctx, site.url("/consent"), http.StatusOK)
			heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
			if err != nil {
				t.Fatal(err)
			}
			if heading != "Allow Element to access your account?" {
				t.Errorf("heading = %q", heading)
			}
			if decision == template.ActionAllow {
				shot(t, "consent.png")
			}
			button := fmt.Sprintf("button[name=%s][value=%s]", template.FieldAction, decision)
			resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
			if err != nil {
				t.Fatalf("clicking %s: %v", button, err)
			}
			want := submission{Path: "/consent", Form: url.Values{
				template.FieldCSRF:   {testCSRFToken},
				template.FieldAction: {decision},
			}}
			if diff := cmp.Diff(want, site.nextSubmission(t)); diff != "" {
				t.Errorf("POST /consent (-want +got):\n%s", diff)
			}
			if wantURL := site.client.URL + "/callback?code=" + decision; resp.URL != wantURL {
				t.Errorf("after the decision the browser is at %s, want %s", resp.URL, wantURL)
			}
			wantNoLogEntries(t, log, "")
		})
	}

	step("consent sign-out form", func(t *testing.T) {
		navigate(t, ctx, site.url("/consent"), http.StatusOK)
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("form.account button")))
		if err != nil {
			t.Fatalf("clicking Sign out: %v", err)
		}
		want := submission{Path: "/logout", Form: url.Values{template.FieldCSRF: {testCSRFToken}}}
		if diff := cmp.Diff(want, site.nextSubmission(t)); diff != "" {
			t.Errorf("POST /logout (-want +got):\n%s", diff)
		}
		if resp.URL != site.url("/login") {
			t.Errorf("after signing out the browser is at %s, want %s", resp.URL, site.url("/login"))
		}
		wantNoLogEntries(t, log, "")
	})

	step("a long client name fits a narrow phone", func(t *testing.T) {
		EmulatePhone(ctx, t, 320, 640)
		defer EmulateDesktop(ctx, t)
		navigate(t, ctx, site.url("/consent-long"), http.StatusOK)
		if overflow := HorizontalOverflow(ctx, t); overflow > 0 {
			t.Errorf("the consent page is %.0fpx wider than a 320px screen", overflow)
		}
		shot(t, "consent-phone.png")
		if *screenshotDir != "" {
			EmulateColorScheme(ctx, t, "dark")
			defer EmulateColorScheme(ctx, t, "")
			navigate(t, ctx, site.url("/consent-long"), http.StatusOK)
			shot(t, "consent-phone-dark.png")
		}
		wantNoLogEntries(t, log, "")
	})

	step("error page", func(t *testing.T) {
		navigate(t, ctx, site.url("/error"), http.StatusNotFound)
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"This sign-in request has expired", testRequestID} {
			if !strings.Contains(text, want) {
				t.Errorf("error page text %q lacks %q", text, want)
			}
		}
		if got := computedStyle(t, ctx, "body", "margin-top"); got != "0px" {
			t.Errorf("error page body margin-top = %s: the stylesheet was not applied", got)
		}
		shot(t, "error.png")
		wantNoLogEntries(t, log, site.url("/error"))
	})
}
