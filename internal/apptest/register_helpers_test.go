package apptest

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
	"github.com/mxauth/mxauth/internal/web/account"
)

// signupPassword is a password every policy of these tests accepts.
const signupPassword = "plum-kettle-orbit-47"

// openSignup edits a config so that anyone may sign up; more, if not nil, edits it further.
func openSignup(more func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		c.Account.Registration = config.RegistrationOpen
		if more != nil {
			more(c)
		}
	}
}

// signupFields fills the sign-up form for username with the shared password; extra fields
// replace or add to them.
func signupFields(username string, extra map[string]string) map[string]string {
	f := map[string]string{
		template.FieldUsername: username, template.FieldPassword: signupPassword,
		template.FieldPasswordConfirm: signupPassword,
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// openSignupPage opens the sign-up page without an authorization request.
func openSignupPage(t *testing.T, s *Server, br *Browser) Page {
	t.Helper()
	p := br.Get(s.URL + account.PathRegister)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `action="`+account.PathRegister+`"`) {
		t.Fatalf("sign-up page: %s", p)
	}
	return p
}

// submitTo posts the form of page p to path instead of its action, as the "Check
// availability" button's formaction does: hidden fields plus fields.
func submitTo(t *testing.T, br *Browser, p Page, path string, fields map[string]string) Page {
	t.Helper()
	_, values := parseForm(t, p.Body, "")
	for k, v := range fields {
		values.Set(k, v)
	}
	return postFrom(t, br, p.URL.ResolveReference(&url.URL{Path: path}).String(), values, nil)
}

// postFrom posts values to target as a same-site browser form would, with extra headers.
func postFrom(t *testing.T, br *Browser, target string, values url.Values, header http.Header) Page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := br.Client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	return br.page(resp)
}

// getWithLanguage fetches u with an Accept-Language header.
func getWithLanguage(t *testing.T, br *Browser, u, lang string) Page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Language", lang)
	resp, err := br.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return br.page(resp)
}

// messageNextTo is the text of the error message next to a form field ("" when none): the
// element the "input" partial (and the terms checkbox) gives the id "<field>-error".
func messageNextTo(t *testing.T, body, field string) string {
	t.Helper()
	return textOfID(t, body, field+"-error")
}

// textOfID is the text inside the element with the id, or "" when there is none.
func textOfID(t *testing.T, body, id string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && attr(n, "id") == id {
			var text strings.Builder
			for c := range n.Descendants() {
				if c.Type == html.TextNode {
					text.WriteString(c.Data)
				}
			}
			return strings.TrimSpace(text.String())
		}
	}
	return ""
}

// fieldValue is the value attribute of the input named name ("" when it has none), and
// whether the page has such an input; a checkbox answers "checked" when ticked.
func fieldValue(t *testing.T, body, name string) (string, bool) {
	t.Helper()
	n := inputNamed(t, body, name)
	if n == nil {
		return "", false
	}
	if attr(n, "type") == "checkbox" {
		for _, a := range n.Attr {
			if a.Key == "checked" {
				return "checked", true
			}
		}
		return "", true
	}
	return attr(n, "value"), true
}

// inputNamed is the first input element named name on the page, or nil.
func inputNamed(t *testing.T, body, name string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == name {
			return n
		}
	}
	return nil
}

// addRegistrationToken stores a registration token as `mxauth registration-token add` does,
// edited by edit, and returns the token to type.
func addRegistrationToken(t *testing.T, s *Server, edit func(*model.RegistrationToken)) string {
	t.Helper()
	secret, err := token.Generate(token.RegistrationToken, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := s.Clock.Now()
	id, _ := ulid.New(now, rand.Reader)
	rt := model.RegistrationToken{ID: id, Hash: token.Hash(secret), Hint: secret[:7], UsageLimit: 1, CreatedAt: now}
	if edit != nil {
		edit(&rt)
	}
	if err := s.App.Store().RegistrationTokens().Create(context.Background(), rt); err != nil {
		t.Fatal(err)
	}
	return secret
}

// signupScrubbers replace what changes from run to run in a page with fixed words, so that
// pages can be golden files: tokens, IDs, content hashes, the test server's port.
var signupScrubbers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`name="csrf" value="[^"]*"`), `name="csrf" value="CSRF"`},
	{regexp.MustCompile(`/assets/(style|register)\.[0-9a-f]{16}\.(css|js)`), `/assets/$1.HASH.$2`},
	{regexp.MustCompile(`(/|%2F)consent(/|%2F)[0-9A-HJKMNP-TV-Z]{26}`), `${1}consent${2}GRANT`},
	{regexp.MustCompile(`<code>[^<]*</code>`), `<code>REQUEST-ID</code>`},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), `127.0.0.1:PORT`},
}

func scrubSignupPage(body string) string {
	for _, s := range signupScrubbers {
		body = s.re.ReplaceAllString(body, s.with)
	}
	return body
}

// unissuedRegistrationToken is a well-formed registration token that was never issued.
func unissuedRegistrationToken(t *testing.T) string {
	t.Helper()
	secret, err := token.Generate(token.RegistrationToken, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
