package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/template"
)

// accountForms are the account pages' form posts with a field set that would act if the
// form were genuine, and where a person whose session expired comes back to.
var accountForms = []struct {
	path, back string
	fields     url.Values
}{
	{"/account/profile", "/account/profile", url.Values{template.FieldDisplayName: {"Mallory"}}},
	{"/account/devices/delete?device_id=FORGEDDEV", "/account/devices/delete?device_id=FORGEDDEV", url.Values{template.FieldPassword: {testPassword}}},
	{"/account/password", "/account/password", url.Values{template.FieldPassword: {testPassword},
		template.FieldNewPassword: {"mallory's password"}, template.FieldNewPasswordAgain: {"mallory's password"}}},
	{"/account/deactivate", "/account/deactivate", url.Values{template.FieldPassword: {testPassword}, template.FieldConfirm: {"alice"}}},
	{"/account/cross-signing-reset", "/account/cross-signing-reset", url.Values{}},
	{"/account/browsers/end", "/account/browsers", url.Values{template.FieldBrowserSession: {"x"}}},
	{"/account/browsers/end-others", "/account/browsers", url.Values{}},
}

// TestAccountForgedForms: a missing or wrong CSRF token, or a post from another site, gets the
// 403 page and changes nothing.
func TestAccountForgedForms(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	token := f.device(t, "FORGEDDEV")
	csrf := csrfOf(t, f.get(t, "/account/"))
	forgeries := []struct {
		name   string
		csrf   string
		header http.Header
	}{
		{"no token", "", nil},
		{"wrong token", "AAAA" + csrf[4:], nil},
		{"another site", csrf, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"another origin", csrf, http.Header{"Sec-Fetch-Site": nil, "Origin": {"https://evil.example"}}},
	}
	for _, form := range accountForms {
		for _, forgery := range forgeries {
			values := cloneValues(form.fields)
			if forgery.csrf != "" {
				values.Set(template.FieldCSRF, forgery.csrf)
			}
			p := f.postForm(t, form.path, values, forgery.header)
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "<h1>This form has expired</h1>") {
				t.Errorf("%s with %s: %s", form.path, forgery.name, p)
			}
		}
	}
	if !active(t, f.s, token) {
		t.Error("a forged form signed the device out")
	}
	wantBody(t, f.get(t, "/account/"), http.StatusOK, "<h1>Your account</h1>")
	if name, set := inputValue(t, f.get(t, "/account/profile").Body, template.FieldDisplayName); set {
		t.Errorf("a forged form set the display name to %q", name)
	}
}

// TestAccountExpiredSession: once the browser session has expired, every page and every form
// sends the browser to the sign-in page, which brings it back to the page afterwards.
func TestAccountExpiredSession(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	csrf := csrfOf(t, f.get(t, "/account/"))
	f.s.Clock.Advance(f.s.Config.Sessions.BrowserTTL + time.Minute)
	pages := []string{
		"/account/", "/account/?action=org.matrix.device_view&device_id=D", "/account/profile", "/account/devices",
		"/account/devices/view?device_id=D", "/account/devices/delete?device_id=D", "/account/password",
		"/account/deactivate", "/account/cross-signing-reset", "/account/browsers",
	}
	for _, path := range pages {
		wantRedirect(t, f.get(t, path), "/login?"+url.Values{"next": {path}}.Encode())
	}
	for _, form := range accountForms {
		values := cloneValues(form.fields)
		values.Set(template.FieldCSRF, csrf)
		wantRedirect(t, f.postForm(t, form.path, values, nil), "/login?"+url.Values{"next": {form.back}}.Encode())
	}
	p := f.br.Follow(f.get(t, "/account/password"))
	p = f.br.Submit(p, map[string]string{template.FieldUsername: "alice", template.FieldPassword: testPassword}, "")
	wantRedirect(t, p, "/account/password")
	wantBody(t, f.br.Follow(p), http.StatusOK, "<h1>Change your password</h1>")
}
