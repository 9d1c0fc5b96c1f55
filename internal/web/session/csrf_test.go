package session

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
)

// newCSRFManager is a Manager for CSRF tokens only: they need no store.
func newCSRFManager(secure bool, key []byte) *Manager {
	return New(Options{
		Secure: secure, Clock: clock.NewFake(testStart), CSRFKey: key,
		Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 1<<12)),
	})
}

// issue returns a token for a browser that has no CSRF cookie yet, and the cookie it was given.
func issue(t *testing.T, m *Manager) (string, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	tok, err := m.CSRFToken(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	if err != nil {
		t.Fatal(err)
	}
	return tok, onlyCookie(t, rec)
}

// formPost is a parsed form POST with the given Cookie header (none when empty) and fields.
func formPost(t testing.TB, cookieHeader string, form url.Values) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookieHeader != "" {
		r.Header.Set("Cookie", cookieHeader)
	}
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCSRFTokenRoundTrip checks that a token is accepted with the cookie it was issued with,
// and that a browser keeps one token while its cookie lasts.
func TestCSRFTokenRoundTrip(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		m := newCSRFManager(secure, testCSRFKey)
		tok, cookie := issue(t, m)
		if tok == "" || tok == cookie.Value || strings.Contains(tok, cookie.Value) {
			t.Fatalf("token %q must be non-empty and not reveal the cookie %q", tok, cookie.Value)
		}
		header := cookie.Name + "=" + cookie.Value
		if !m.CheckCSRF(formPost(t, header, url.Values{"csrf": {tok}})) {
			t.Errorf("secure=%v: the issued token was refused", secure)
		}

		// A later page in the same browser gets the same token and no new cookie.
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/consent", nil)
		r.Header.Set("Cookie", header)
		again, err := m.CSRFToken(rec, r)
		if err != nil {
			t.Fatal(err)
		}
		if again != tok || len(rec.Result().Cookies()) != 0 {
			t.Errorf("secure=%v: second CSRFToken = %q and %d cookies, want %q and none", secure, again, len(rec.Result().Cookies()), tok)
		}

		// Within one request, a form rendered twice (after a failed attempt) keeps its token.
		rec = httptest.NewRecorder()
		r = httptest.NewRequest(http.MethodGet, "/login", nil)
		first, err := m.CSRFToken(rec, r)
		if err != nil {
			t.Fatal(err)
		}
		second, err := m.CSRFToken(rec, r)
		if err != nil {
			t.Fatal(err)
		}
		if first != second || len(rec.Result().Cookies()) != 1 {
			t.Errorf("secure=%v: one request gave tokens %q, %q and %d cookies", secure, first, second, len(rec.Result().Cookies()))
		}
	}
}

// TestCheckCSRFRefuses checks the forms a forger (or a stale page) could send.
func TestCheckCSRFRefuses(t *testing.T) {
	t.Parallel()
	m := newCSRFManager(true, testCSRFKey)
	tok, cookie := issue(t, m)
	own := cookie.Name + "=" + cookie.Value
	// Another browser's cookie and token (another session).
	other := New(Options{Secure: true, Clock: clock.NewFake(testStart), CSRFKey: testCSRFKey, Rand: bytes.NewReader(bytes.Repeat([]byte{9}, 64))})
	otherTok, otherCookie := issue(t, other)
	if otherCookie.Value == cookie.Value {
		t.Fatal("test setup: both browsers got the same cookie")
	}
	// The same cookie under another server secret.
	otherKeyTok, _ := issue(t, newCSRFManager(true, []byte("another key, another server.....")))

	flipped := []byte(tok)
	flipped[len(flipped)/2] ^= 1
	tests := []struct {
		name   string
		cookie string
		form   url.Values
	}{
		{"other browser's token", own, url.Values{"csrf": {otherTok}}},
		{"other browser's cookie", otherCookie.Name + "=" + otherCookie.Value, url.Values{"csrf": {tok}}},
		{"other server secret", own, url.Values{"csrf": {otherKeyTok}}},
		{"one bit flipped", own, url.Values{"csrf": {string(flipped)}}},
		{"truncated", own, url.Values{"csrf": {tok[:len(tok)-1]}}},
		{"half", own, url.Values{"csrf": {tok[:len(tok)/2]}}},
		{"extended", own, url.Values{"csrf": {tok + "A"}}},
		{"upper-cased", own, url.Values{"csrf": {strings.ToUpper(tok)}}},
		{"padded base64", own, url.Values{"csrf": {tok + "="}}},
		{"surrounding space", own, url.Values{"csrf": {" " + tok + " "}}},
		{"empty", own, url.Values{"csrf": {""}}},
		{"missing", own, url.Values{"action": {"allow"}}},
		{"garbage", own, url.Values{"csrf": {"<script>alert(1)</script>\x00\xff"}}},
		{"the cookie value itself", own, url.Values{"csrf": {cookie.Value}}},
		{"no cookie", "", url.Values{"csrf": {tok}}},
		{"empty cookie", cookie.Name + "=", url.Values{"csrf": {tok}}},
		// A cookie without the prefix may have been planted by a subdomain; on https it does not count.
		{"cookie without __Host-", strings.TrimPrefix(cookie.Name, "__Host-") + "=" + cookie.Value, url.Values{"csrf": {tok}}},
		{"session cookie name", "__Host-mxauth-session=" + cookie.Value, url.Values{"csrf": {tok}}},
		// Only the first value counts (what Get returns), so a second correct one does not help.
		{"wrong then right", own, url.Values{"csrf": {"x", tok}}},
	}
	for _, tc := range tests {
		if m.CheckCSRF(formPost(t, tc.cookie, tc.form)) {
			t.Errorf("%s: CheckCSRF accepted the form", tc.name)
		}
	}

	// The token in the URL rather than the form body is refused: tokens in URLs leak through
	// logs and Referer, so CheckCSRF reads only the body.
	r := httptest.NewRequest(http.MethodPost, "/consent?csrf="+url.QueryEscape(tok), strings.NewReader(""))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Cookie", own)
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if m.CheckCSRF(r) {
		t.Error("CheckCSRF accepted a token in the query string")
	}
}

// TestCSRFTokenIsStable checks that a token does not expire by itself: it stays valid while
// its cookie is kept, so a form left open for hours can still be sent.
func TestCSRFTokenIsStable(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(testStart)
	m := New(Options{Clock: clk, CSRFKey: testCSRFKey, Rand: bytes.NewReader(bytes.Repeat([]byte{3}, 64))})
	tok, cookie := issue(t, m)
	clk.Advance(23 * time.Hour)
	if !m.CheckCSRF(formPost(t, cookie.Name+"="+cookie.Value, url.Values{"csrf": {tok}})) {
		t.Error("a token 23 hours old (cookie still set) was refused")
	}
}

// FuzzCSRFToken sends arbitrary cookie values and tokens. CheckCSRF must never panic, and must
// accept exactly the token that CSRFToken hands out for that cookie, and nothing else.
func FuzzCSRFToken(f *testing.F) {
	// Fuzzing issues many cookies, so the random source must not run dry.
	m := New(Options{Clock: clock.NewFake(testStart), CSRFKey: testCSRFKey, Rand: rand.Reader})
	rec := httptest.NewRecorder()
	validToken, err := m.CSRFToken(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if err != nil {
		f.Fatal(err)
	}
	validCookie := rec.Result().Cookies()[0].Value
	for _, seed := range [][2]string{
		{validCookie, validToken},
		{validCookie, validToken[:len(validToken)-1]},
		{validCookie, validToken + "x"},
		{validCookie, ""},
		{validCookie, "\xff\x00"},
		{"", validToken},
		{"a", "b"},
		{`"quoted"`, validToken},
		{validCookie + "; mxauth-csrf=other", validToken},
		{strings.Repeat("A", 43), strings.Repeat("A", 43)},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, cookieValue, tok string) {
		header := "mxauth-csrf=" + cookieValue
		accepted := m.CheckCSRF(formPost(t, header, url.Values{"csrf": {tok}}))

		// What CSRFToken hands out to a browser sending this cookie. When the cookie does not
		// parse, the browser has none and gets a new one: then no token may pass.
		get := httptest.NewRequest(http.MethodGet, "/", nil)
		get.Header.Set("Cookie", header)
		rec := httptest.NewRecorder()
		issued, err := m.CSRFToken(rec, get)
		if err != nil {
			t.Fatal(err)
		}
		hasCookie := len(rec.Result().Cookies()) == 0
		want := hasCookie && tok != "" && tok == issued
		if accepted != want {
			t.Errorf("cookie %q token %q: accepted = %v, want %v (issued %q)", cookieValue, tok, accepted, want, issued)
		}
		if accepted && len(tok) != len(validToken) {
			t.Errorf("accepted a token of %d bytes", len(tok))
		}
	})
}
