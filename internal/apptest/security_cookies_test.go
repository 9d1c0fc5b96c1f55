package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
)

// rawRequest sends form to path with exactly the cookies given (no jar: the https server's
// Secure cookies would not be sent over the test's plain http) as a same-origin form.
func rawRequest(t *testing.T, s *Server, method, path string, form url.Values, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{Transport: s.Client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// setCookie is the cookie named name that resp sets last (a browser applies Set-Cookie
// headers in order: sign-in clears the old cookie, then sets the new one); it fails the test
// without one.
func setCookie(t *testing.T, resp *http.Response, name string) *http.Cookie {
	t.Helper()
	cookies := resp.Cookies()
	for i := len(cookies) - 1; i >= 0; i-- {
		if cookies[i].Name == name {
			return cookies[i]
		}
	}
	t.Fatalf("%s %s: no %s cookie set (status %d, Set-Cookie %q)", resp.Request.Method, resp.Request.URL.Path, name, resp.StatusCode, resp.Header["Set-Cookie"])
	return nil
}

// TestSessionCookiesOnHTTPS: with an https public URL, the CSRF and session cookies are
// __Host- prefixed (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain), HttpOnly and
// SameSite=Lax. Sign-in and sign-up each start a new session whatever session cookie the
// browser brought (no session fixation, OWASP Session Management Cheat Sheet), and a second
// sign-in in the same browser ends the first session.
func TestSessionCookiesOnHTTPS(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(func(c *config.Config) { c.HTTP.PublicURL = httpsIssuer }))
	s.CreateUser(t, "alice", testPassword)
	const sessionName, csrfName = "__Host-mxauth-session", "__Host-mxauth-csrf"
	planted := &http.Cookie{Name: sessionName, Value: "chosen-by-an-attacker"}
	checkFlags := func(c *http.Cookie) {
		t.Helper()
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v SameSite=%v Path=%q Domain=%q; want Secure, HttpOnly, Lax, / and no domain",
				c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.Domain)
		}
	}
	csrfCookie := setCookie(t, rawRequest(t, s, http.MethodGet, "/login", nil, planted), csrfName)
	checkFlags(csrfCookie)
	// page is the CSRF token of a form at path for this browser's CSRF cookie.
	page := func(path string) string {
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		req.AddCookie(csrfCookie)
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		p := (&Browser{t: t, Client: s.Client}).page(resp)
		return csrfOf(t, p)
	}

	signIn := func(session *http.Cookie) *http.Cookie {
		t.Helper()
		resp := rawRequest(t, s, http.MethodPost, "/login", url.Values{
			template.FieldCSRF: {page("/login")}, template.FieldUsername: {"alice"}, template.FieldPassword: {testPassword},
		}, csrfCookie, session)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("signing in: status %d", resp.StatusCode)
		}
		c := setCookie(t, resp, sessionName)
		checkFlags(c)
		if c.Value == session.Value {
			t.Errorf("signing in kept the session cookie the browser brought")
		}
		return c
	}
	first := signIn(planted)
	second := signIn(first)
	if got := rawRequest(t, s, http.MethodGet, "/account/", nil, first); got.StatusCode != http.StatusSeeOther {
		t.Errorf("the first session still opens the account pages after a second sign-in: %d", got.StatusCode)
	}
	if got := rawRequest(t, s, http.MethodGet, "/account/", nil, second); got.StatusCode != http.StatusOK {
		t.Errorf("the new session does not open the account pages: %d", got.StatusCode)
	}

	form := url.Values{template.FieldCSRF: {page("/register")}}
	for k, v := range signupFields("newcomer", nil) {
		form.Set(k, v)
	}
	resp := rawRequest(t, s, http.MethodPost, "/register", form, csrfCookie, second)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing up: status %d", resp.StatusCode)
	}
	signedUp := setCookie(t, resp, sessionName)
	checkFlags(signedUp)
	if signedUp.Value == second.Value {
		t.Error("signing up kept the session cookie the browser brought")
	}
	if got := rawRequest(t, s, http.MethodGet, "/account/", nil, second); got.StatusCode != http.StatusSeeOther {
		t.Errorf("alice's session still opens the account pages after signing up as someone else: %d", got.StatusCode)
	}
}
