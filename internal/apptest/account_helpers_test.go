package apptest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// accountFixture is a server with alice signed in on one browser, and a client she can log
// Matrix devices in with.
type accountFixture struct {
	s        *Server
	br       *Browser
	clientID string
}

// startAccount starts a server (start: a Backend's Start, or Start), creates alice and signs
// her in to the pages. edit, if not nil, adjusts the config.
func startAccount(t *testing.T, start StartFunc, edit func(*config.Config)) *accountFixture {
	t.Helper()
	s := start(t, func(c *config.Config) {
		withHomeserverSecret(c)
		if edit != nil {
			edit(c)
		}
	})
	return newAccountFixture(t, s)
}

func newAccountFixture(t *testing.T, s *Server) *accountFixture {
	t.Helper()
	s.CreateUser(t, "alice", testPassword)
	f := &accountFixture{s: s, br: s.NewBrowser(t), clientID: nativeClient(t, s, "")}
	signIn(t, s, f.br, "alice", testPassword)
	return f
}

// signIn signs username in on br through the sign-in form.
func signIn(t testing.TB, s *Server, br *Browser, username, password string) {
	t.Helper()
	p := br.Submit(br.Get(s.URL+account.PathLogin), map[string]string{
		template.FieldUsername: username, template.FieldPassword: password,
	}, "")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("signing %s in: %s", username, p)
	}
}

// device logs a Matrix client in as alice on deviceID, in the fixture's browser, and returns
// the access token.
func (f *accountFixture) device(t *testing.T, deviceID string) string {
	t.Helper()
	tok := login(t, f.s, f.br, "alice", f.clientID, "urn:matrix:client:api:* "+oauth2.DeviceScopeToken(deviceID))
	return tok["access_token"].(string)
}

// get fetches a path of the server in the fixture's browser.
func (f *accountFixture) get(t *testing.T, path string) Page {
	t.Helper()
	return f.br.Get(f.s.URL + path)
}

// wantBody checks a page's status and that its body holds every one of texts.
func wantBody(t *testing.T, p Page, status int, texts ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d: %s", p.Status, status, p)
	}
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("the page lacks %q:\n%s", s, p)
		}
	}
}

// wantRedirect checks a 303 to location (compared as a path with its query).
func wantRedirect(t *testing.T, p Page, location string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Location != location {
		t.Fatalf("got %d to %q, want 303 to %q:\n%s", p.Status, p.Location, location, p)
	}
}

// active asks the introspection endpoint, as the homeserver does, whether a token works.
func active(t *testing.T, s *Server, token string) bool {
	t.Helper()
	got := introspect(t, s, bearer(homeserverSecret), tokenForm(token))
	var out struct {
		Active bool `json:"active"`
	}
	if got.status != http.StatusOK || json.Unmarshal(got.body, &out) != nil {
		t.Fatalf("introspection: %d %s", got.status, got.body)
	}
	return out.Active
}

// inputValue is the value attribute of the input named name, and whether it has one; the
// test fails when the page has no such input.
func inputValue(t *testing.T, body, name string) (string, bool) {
	t.Helper()
	n := inputNamed(t, body, name)
	if n == nil {
		t.Fatalf("no input %q on the page:\n%s", name, body)
	}
	for _, a := range n.Attr {
		if a.Key == "value" {
			return a.Val, true
		}
	}
	return "", false
}

// postForm posts form to path with the browser's cookies and the headers given, without the
// page's hidden fields: for forged and hand-made submissions.
func (f *accountFixture) postForm(t *testing.T, path string, form url.Values, header http.Header) Page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := f.br.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return f.br.page(resp)
}

// csrfOf is the CSRF token of the first form on a page.
func csrfOf(t testing.TB, p Page) string {
	t.Helper()
	_, values := parseForm(t, p.Body, "")
	return values.Get(template.FieldCSRF)
}

// scrubbers replace what changes from run to run in a page (tokens, times, IDs, the
// stylesheet's content hash) with fixed words, so pages can be golden files.
var scrubbers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`name="csrf" value="[^"]*"`), `name="csrf" value="CSRF"`},
	{regexp.MustCompile(`/assets/style\.[0-9a-f]+\.css`), `/assets/style.HASH.css`},
	{regexp.MustCompile(`datetime="[^"]*"`), `datetime="TIME"`},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC`), `DATE`},
	{regexp.MustCompile(`\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} UTC`), `DATE`},
	{regexp.MustCompile(`[0-9A-HJKMNP-TV-Z]{26}`), `ULID`},
	{regexp.MustCompile(`<code>[0-9a-f]{32}</code>`), `<code>REQUEST-ID</code>`},
}

func scrub(body string) string {
	for _, s := range scrubbers {
		body = s.re.ReplaceAllString(body, s.with)
	}
	return body
}
