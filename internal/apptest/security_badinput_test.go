package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/template"
)

// badValues are field values no form makes: invalid UTF-8, NUL and other control characters,
// a huge value, and percent-escapes meant to be decoded twice.
var badValues = []string{
	"\xff\xfe", "a\x00b", "\x00", "line\r\nbreak", "\u202eevil", strings.Repeat("é", 200_000), "%00%ff", "..",
	"01JDX4T3Q8W7M2B6Z9K5R1N0CE", "-1", "99999999999999999999999",
}

// TestPagesNeverAnswer500 sends bad values in every field and query parameter of every page,
// signed in with a valid CSRF token (so every check after it runs), and repeated fields:
// nothing a browser can send is a server error (preamble: "Bad input never causes a panic
// or a 500").
func TestPagesNeverAnswer500(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := startAccount(t, b.Start, openSignup(func(c *config.Config) {
				c.Account.DisplayNameChangeAllowed, c.Account.PasswordChangeAllowed, c.Account.DeactivationAllowed = true, true, true
			}))
			f.device(t, "BADINPUT")
			csrf := csrfOf(t, f.get(t, "/account/profile"))
			fields := []string{
				"next", "username", "password", "new_password", "new_password_again", "confirm",
				"display_name", "session", "action", "password_confirm", "registration_token", "tos",
				"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge",
				"code_challenge_method", "prompt", "login_hint", "nonce", "response_mode",
			}
			posts := []string{
				"/login", "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE", "/account/profile", "/account/devices/delete?device_id=BADINPUT",
				"/account/password", "/account/deactivate", "/account/browsers/end", "/register", "/register/check", "/authorize",
			}
			gets := []string{
				"/login", "/consent/x", "/account/", "/account/devices", "/account/devices/view", "/account/devices/delete",
				"/account/browsers", "/account/profile", "/account/password", "/register", "/register/available", "/authorize",
			}
			check := func(what string, p Page) {
				t.Helper()
				if p.Status >= 500 {
					t.Errorf("%.200s: %d\n%.500s", what, p.Status, p.Body)
				}
			}
			for _, v := range badValues {
				form := url.Values{template.FieldCSRF: {csrf}}
				query := url.Values{"done": {"device_ended", "others_ended"}, "count": {v}, "device_id": {v}}
				for _, name := range fields {
					form[name] = []string{v, "second"}
					query[name] = []string{v}
				}
				for _, path := range posts {
					check("POST "+path+" "+v, f.postForm(t, path, form, nil))
				}
				for _, path := range gets {
					check("GET "+path+" "+v, f.get(t, path+"?"+query.Encode()))
				}
				check("GET consent "+v, f.get(t, "/consent/"+url.PathEscape(v)))
				check("GET account deep link "+v, f.get(t, "/account/?"+url.Values{
					"action": {"org.matrix.device_view"}, "device_id": {v}}.Encode()))
				check("GET authorize "+v, f.get(t, "/authorize?"+url.Values{
					"client_id": {f.clientID}, "redirect_uri": {"http://127.0.0.1/callback"}, "response_type": {"code"},
					"scope": {"urn:matrix:client:api:* " + oauth2.DeviceScopeToken("DEV")}, "state": {v}, "login_hint": {v},
					"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
				}.Encode()))
			}
			// Bodies no form makes.
			for _, body := range []string{"%zz=1", "csrf=" + csrf + "&a=%", strings.Repeat("a=b&", 1<<20)} {
				for _, path := range posts {
					req, _ := http.NewRequest(http.MethodPost, f.s.URL+path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					resp, err := f.br.Client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					check("POST "+path+" body "+body, f.br.page(resp))
				}
			}
		})
	}
}
