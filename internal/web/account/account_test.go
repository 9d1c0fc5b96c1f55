package account

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/session"
)

// newTestPages returns the pages with a real renderer and session manager, and no store: the
// paths tested here answer before any account or grant is looked up.
func newTestPages(t *testing.T) (*Pages, *http.ServeMux) {
	t.Helper()
	renderer, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	p := &Pages{
		Browser: session.New(session.Options{
			Clock: clk, Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 1<<12)), CSRFKey: []byte("0123456789abcdef0123456789abcdef"),
		}),
		Renderer:   renderer,
		Layout:     template.Layout{ServerName: "example.com"},
		Clock:      clk,
		Logger:     slog.New(slog.DiscardHandler),
		ServerName: "example.com",
	}
	mux := http.NewServeMux()
	p.Mount(mux)
	return p, mux
}

// csrf returns a valid CSRF token and the cookie it belongs to.
func csrf(t *testing.T, p *Pages) (string, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	token, err := p.Browser.CSRFToken(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	if err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("CSRFToken set %d cookies", len(cookies))
	}
	return token, cookies[0]
}

type response struct {
	Status int
	Body   string
	Header http.Header
}

func post(t *testing.T, mux http.Handler, path string, form url.Values, header http.Header, cookie *http.Cookie) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://example.com"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return response{rec.Code, rec.Body.String(), rec.Header()}
}

// TestForgedFormsGetTheForbiddenPage sends each form without a valid CSRF token, or from
// another site, and expects the 403 page in the browser's language.
func TestForgedFormsGetTheForbiddenPage(t *testing.T) {
	t.Parallel()
	p, mux := newTestPages(t)
	token, cookie := csrf(t, p)
	otherCookie := &http.Cookie{Name: cookie.Name, Value: "the-csrf-cookie-of-another-browser"}
	german := http.Header{"Accept-Language": {"de-DE,de;q=0.9"}}
	crossSite := http.Header{"Sec-Fetch-Site": {"cross-site"}}
	tests := []struct {
		name   string
		path   string
		form   url.Values
		header http.Header
		cookie *http.Cookie
		want   string
	}{
		{"login without a token", "/login", url.Values{"username": {"alice"}, "password": {"pw"}}, nil, cookie, "This form has expired"},
		{"login without the cookie", "/login", url.Values{"csrf": {token}, "username": {"alice"}}, nil, nil, "This form has expired"},
		{"login with another browser's token", "/login", url.Values{"csrf": {token}}, german, otherCookie, "Dieses Formular ist abgelaufen"},
		{"login from another site", "/login", url.Values{"csrf": {token}}, crossSite, cookie, "This form has expired"},
		{"logout without a token", "/logout", nil, german, cookie, "Dieses Formular ist abgelaufen"},
		{"logout from another site", "/logout", url.Values{"csrf": {token}}, crossSite, cookie, "This form has expired"},
		{"consent without a token", "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE", url.Values{"action": {"allow"}}, nil, cookie, "This form has expired"},
		{"consent from another site", "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE", url.Values{"csrf": {token}, "action": {"allow"}}, crossSite, cookie, "This form has expired"},
	}
	for _, tc := range tests {
		got := post(t, mux, tc.path, tc.form, tc.header, tc.cookie)
		if got.Status != http.StatusForbidden || !strings.Contains(got.Body, "<h1>"+tc.want+"</h1>") {
			t.Errorf("%s: status %d, body:\n%s\nwant 403 with %q", tc.name, got.Status, got.Body, tc.want)
		}
		if csp := got.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: the 403 page has CSP %q", tc.name, csp)
		}
	}
}

// TestLoginFieldErrors checks that a sign-in form with missing or foreign fields comes back
// with a message next to each field and the username kept, before any account is looked up.
func TestLoginFieldErrors(t *testing.T) {
	t.Parallel()
	p, mux := newTestPages(t)
	token, cookie := csrf(t, p)
	tests := []struct {
		name     string
		form     url.Values
		lang     string
		want     []string
		wantNot  []string
		wantLang string
	}{
		{"all empty", url.Values{}, "", []string{
			`<p class="field-error" id="username-error">Enter your username.</p>`,
			`<p class="field-error" id="password-error">Enter your password.</p>`,
		}, []string{`type="text" value=`}, "en"},
		{"blank username", url.Values{"username": {"  "}, "password": {"secret"}}, "de", []string{
			`<p class="field-error" id="username-error">Geben Sie Ihren Benutzernamen ein.</p>`,
		}, []string{"password-error", "secret"}, "de"},
		{"other server", url.Values{"username": {"@bob:elsewhere.example"}, "password": {"secret"}}, "fr, de;q=0.5", []string{
			`<p class="field-error" id="username-error">Hier können sich nur Konten von example.com anmelden.</p>`,
			`value="@bob:elsewhere.example"`,
		}, []string{"secret"}, "de"},
		{"no password", url.Values{"username": {"Alice"}}, "en-GB", []string{
			`<p class="field-error" id="password-error">Enter your password.</p>`,
			`value="Alice"`,
		}, []string{"username-error"}, "en"},
	}
	for _, tc := range tests {
		tc.form.Set("csrf", token)
		got := post(t, mux, "/login", tc.form, http.Header{"Accept-Language": {tc.lang}}, cookie)
		if got.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tc.name, got.Status)
		}
		for _, want := range tc.want {
			if !strings.Contains(got.Body, want) {
				t.Errorf("%s: page lacks %s:\n%s", tc.name, want, got.Body)
			}
		}
		for _, bad := range tc.wantNot {
			if strings.Contains(got.Body, bad) {
				t.Errorf("%s: page contains %s:\n%s", tc.name, bad, got.Body)
			}
		}
		if lang := got.Header.Get("Content-Language"); lang != tc.wantLang {
			t.Errorf("%s: Content-Language %q, want %q", tc.name, lang, tc.wantLang)
		}
	}
}

func TestLoginFormLanguage(t *testing.T) {
	t.Parallel()
	_, mux := newTestPages(t)
	tests := []struct {
		acceptLanguage string
		wantTitle      string
	}{
		{"", "<title>Sign in · example.com</title>"},
		{"de-CH", "<title>Anmelden · example.com</title>"},
		{"es, en;q=0.2", "<title>Sign in · example.com</title>"},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(http.MethodGet, "http://example.com/login", nil)
		req.Header.Set("Accept-Language", tc.acceptLanguage)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), tc.wantTitle) {
			t.Errorf("Accept-Language %q: status %d, want 200 with %s:\n%s", tc.acceptLanguage, rec.Code, tc.wantTitle, rec.Body)
		}
	}
}

func TestTooManyRequests(t *testing.T) {
	t.Parallel()
	p, _ := newTestPages(t)
	tests := []struct {
		wait           time.Duration
		acceptLanguage string
		wantRetryAfter string
		wantText       string
	}{
		{150 * time.Second, "en", "150", "Try again in 3 minutes."},
		{time.Second, "de", "1", "Versuchen Sie es in einer Sekunde erneut."},
		{90 * time.Minute, "de", "5400", "Versuchen Sie es in 2 Stunden erneut."},
		{-time.Minute, "en", "1", "Try again in 1 second."},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(http.MethodPost, "http://example.com/login", nil)
		req.Header.Set("Accept-Language", tc.acceptLanguage)
		rec := httptest.NewRecorder()
		p.TooManyRequests(rec, req, tc.wait)
		got := response{rec.Code, rec.Body.String(), rec.Header()}
		if got.Status != http.StatusTooManyRequests || got.Header.Get("Retry-After") != tc.wantRetryAfter || !strings.Contains(got.Body, tc.wantText) {
			t.Errorf("TooManyRequests(%v): status %d, Retry-After %q, body:\n%s\nwant 429, %s and %q",
				tc.wait, got.Status, got.Header.Get("Retry-After"), got.Body, tc.wantRetryAfter, tc.wantText)
		}
	}
}

// TestMessageIDsExist checks every message id this package hands to the pages.
func TestMessageIDsExist(t *testing.T) {
	t.Parallel()
	p, _ := newTestPages(t)
	ids := []string{msgFormUnreadable, msgServerError, msgGeneric, msgBadRequest, msgChooseAction,
		msgGrantExpired, msgGrantExpiredMsg, msgScopeMatrixAPI, msgScopeMatrixDevice, msgScopeOpenID,
		wrongCredentials.ID}
	var missing []string
	for _, id := range ids {
		if !p.Renderer.Bundle().Has(id) {
			missing = append(missing, id)
		}
	}
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf("message ids missing from the catalogues:\n%s", diff)
	}
}
