package apptest

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
)

// TestReauthenticationIsLimitedLikeSignIn: the password the account pages ask for again
// (device sign-out, password change, deactivation) is a password guess like a sign-in, so it
// takes from the sign-in form's per-address bucket as well as the account's: someone holding
// a stolen browser session gets no more guesses from one address than the sign-in form gives
// (MAS's default per-address limit, 3 at once, with a per-account limit far above it).
func TestReauthenticationIsLimitedLikeSignIn(t *testing.T) {
	t.Parallel()
	forms := []struct {
		path   string
		fields map[string]string
	}{
		{"/account/devices/delete?device_id=REAUTHDEV", map[string]string{template.FieldPassword: "wrong"}},
		{"/account/password", map[string]string{template.FieldPassword: "wrong",
			template.FieldNewPassword: "a much better passphrase", template.FieldNewPasswordAgain: "a much better passphrase"}},
		{"/account/deactivate", map[string]string{template.FieldPassword: "wrong", template.FieldConfirm: "alice"}},
	}
	for _, form := range forms {
		t.Run(form.path, func(t *testing.T) {
			t.Parallel()
			f := startAccount(t, Start, func(c *config.Config) {
				c.Account.PasswordChangeAllowed, c.Account.DeactivationAllowed = true, true
				// Room for the fixture's sign-in and its device login; then three guesses.
				c.RateLimiting.Login.PerIP = config.RateLimit{Burst: 4, PerSecond: 0.0001}
				c.RateLimiting.Login.PerAccount = config.RateLimit{Burst: 1000, PerSecond: 1}
			})
			token := f.device(t, "REAUTHDEV")
			page := f.get(t, form.path)
			var statuses []int
			for range 5 {
				statuses = append(statuses, f.br.Submit(page, form.fields, "").Status)
			}
			if last := statuses[len(statuses)-1]; last != http.StatusTooManyRequests {
				t.Errorf("wrong passwords on %s answered %v; want 429 once the address's sign-in bucket is empty", form.path, statuses)
			}
			if !active(t, f.s, token) {
				t.Error("the device was signed out")
			}
		})
	}
}

// TestPasswordChangeRenewsTheSession: a password change signs out every other browser and
// gives this one a new session cookie, so that a stolen copy of the old cookie stops working
// too (OWASP Session Management Cheat Sheet, "Renew the Session ID After Any Privilege Level
// Change": password changes). The person who changed it stays signed in.
func TestPasswordChangeRenewsTheSession(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, func(c *config.Config) { c.Account.PasswordChangeAllowed = true })
	base, _ := url.Parse(f.s.URL)
	// The thief has a copy of the browser's cookies, taken before the change.
	thiefJar, _ := cookiejar.New(nil)
	thiefJar.SetCookies(base, f.br.Client.Jar.Cookies(base))
	thief := &Browser{t: t, Client: &http.Client{Jar: thiefJar, Transport: f.br.Client.Transport,
		CheckRedirect: f.br.Client.CheckRedirect}}
	wantBody(t, thief.Get(f.s.URL+"/account/"), http.StatusOK, "<h1>Your account</h1>")

	const newPassword = "a much better passphrase"
	p := f.br.Submit(f.get(t, "/account/password"), map[string]string{
		template.FieldPassword: testPassword, template.FieldNewPassword: newPassword, template.FieldNewPasswordAgain: newPassword,
	}, "")
	wantRedirect(t, p, "/account/password?done=password")
	wantBody(t, f.br.Follow(p), http.StatusOK, "Your password was changed.")
	wantBody(t, f.get(t, "/account/"), http.StatusOK, "<h1>Your account</h1>")
	wantRedirect(t, thief.Get(f.s.URL+"/account/"), "/login?next=%2Faccount%2F")
}
