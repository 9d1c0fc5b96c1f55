package account

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/oauth"
)

// link is an <a> of a page: where it goes and what it says.
type link struct{ Href, Text string }

// signupLinks returns the links of an HTML body that go to the sign-up page under prefix.
func signupLinks(t *testing.T, body, prefix string) []link {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var links []link
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.A {
			continue
		}
		for _, a := range n.Attr {
			if u, err := url.Parse(a.Val); a.Key == "href" && err == nil && u.Path == prefix+PathRegister {
				var text strings.Builder
				for d := range n.Descendants() {
					if d.Type == html.TextNode {
						text.WriteString(d.Data)
					}
				}
				links = append(links, link{a.Val, text.String()})
			}
		}
	}
	return links
}

// TestLoginPageOffersSignup checks the "Create an account" link: shown only while sign-up is
// open (Flow.SignupEnabled: account.registration open or token), under the public URL's path,
// in the page's language, and carrying the sign-in page's next, so that a person sent here by
// a client's /authorize signs up and goes on to the same consent page (apptest's
// TestLoginPageLeadsToSignup runs that end to end). A next the sign-in page refuses is not
// passed on either.
func TestLoginPageOffersSignup(t *testing.T) {
	t.Parallel()
	open, closed := &oauth.Flow{SignupEnabled: true}, &oauth.Flow{SignupEnabled: false}
	tests := []struct {
		name   string
		flow   *oauth.Flow
		prefix string
		query  string
		lang   string
		want   []link
	}{
		{"closed", closed, "", "?next=%2Faccount", "", nil},
		{"closed under a prefix", closed, "/auth", "?next=%2Fauth%2Faccount", "", nil},
		{"without a flow", nil, "", "", "", nil},
		{"open without next", open, "", "", "", []link{{"/register", "Create an account"}}},
		{"open keeps next", open, "", "?next=%2Faccount%3Faction%3Dorg.matrix.devices_list%26x%3D1", "de",
			[]link{{"/register?next=%2Faccount%3Faction%3Dorg.matrix.devices_list%26x%3D1", "Konto erstellen"}}},
		{"open under a prefix", open, "/auth", "?next=%2Fauth%2Faccount%2Fdevices", "",
			[]link{{"/auth/register?next=%2Fauth%2Faccount%2Fdevices", "Create an account"}}},
		{"open drops a foreign next", open, "", "?next=https%3A%2F%2Fevil.example%2F", "",
			[]link{{"/register", "Create an account"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, mux := newTestPages(t)
			p.Flow, p.Prefix = tc.flow, tc.prefix
			req := httptest.NewRequest(http.MethodGet, "http://example.com"+PathLogin+tc.query, nil)
			req.Header.Set("Accept-Language", tc.lang)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200:\n%s", rec.Code, rec.Body)
			}
			if diff := cmp.Diff(tc.want, signupLinks(t, rec.Body.String(), tc.prefix)); diff != "" {
				t.Errorf("sign-up links (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFailedLoginStillOffersSignup: the form that comes back after a wrong field keeps the
// link and its next, since that is when a person may find out they have no account.
func TestFailedLoginStillOffersSignup(t *testing.T) {
	t.Parallel()
	p, mux := newTestPages(t)
	p.Flow = &oauth.Flow{SignupEnabled: true}
	token, cookie := csrf(t, p)
	form := url.Values{template.FieldCSRF: {token}, template.FieldPassword: {"x"}, template.FieldNext: {"/account"}}
	got := post(t, mux, PathLogin, form, nil, cookie)
	if got.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400:\n%s", got.Status, got.Body)
	}
	if diff := cmp.Diff([]link{{"/register?next=%2Faccount", "Create an account"}}, signupLinks(t, got.Body, "")); diff != "" {
		t.Errorf("sign-up links (-want +got):\n%s", diff)
	}
}
