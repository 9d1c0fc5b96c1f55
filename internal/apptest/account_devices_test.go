package apptest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
)

// deviceIDsListed returns the device IDs of the devices page, in page order.
func deviceIDsListed(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<dt>Device ID</dt><dd><code>([^<]*)</code>`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestAccountDeviceDelete: the devices page lists every session newest first; signing one out
// explains what happens and needs the password again (R86), after which its tokens are
// inactive at the introspection endpoint and the others still work.
func TestAccountDeviceDelete(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			// Tokens that outlive the clock's jumps between the two logins.
			f := startAccount(t, b.Start, func(c *config.Config) { c.OAuth.AccessTokenTTL = 24 * time.Hour })
			older := f.device(t, "OLDERDEVICE")
			f.s.Clock.Advance(2 * time.Hour)
			newer := f.device(t, "NEWERDEVICE")
			f.s.Clock.Advance(5 * time.Minute)

			list := f.get(t, "/account/devices")
			wantBody(t, list, http.StatusOK, "Test App", "5 minutes ago", "2 hours ago", "Go-http-client/1.1")
			if diff := cmp.Diff([]string{"NEWERDEVICE", "OLDERDEVICE"}, deviceIDsListed(list.Body)); diff != "" {
				t.Errorf("devices listed (-want +got):\n%s", diff)
			}

			confirm := f.get(t, "/account/devices/delete?device_id=OLDERDEVICE")
			wantBody(t, confirm, http.StatusOK, "<h1>Sign out this device?</h1>", "will be signed out at once", "<code>OLDERDEVICE</code>")

			for _, tc := range []struct{ password, want string }{
				{"", "Enter your password."},
				{"not " + testPassword, "This password is wrong."},
			} {
				p := f.br.Submit(confirm, map[string]string{template.FieldPassword: tc.password}, "")
				wantBody(t, p, http.StatusBadRequest, "<h1>Sign out this device?</h1>")
				if got := messageNextTo(t, p.Body, template.FieldPassword); got != tc.want {
					t.Errorf("password %q: the field says %q, want %q", tc.password, got, tc.want)
				}
				if strings.Contains(p.Body, tc.password+`"`) && tc.password != "" {
					t.Errorf("the page shows the typed password")
				}
				if !active(t, f.s, older) {
					t.Fatalf("password %q: the device was signed out", tc.password)
				}
			}

			p := f.br.Submit(confirm, map[string]string{template.FieldPassword: testPassword}, "")
			wantRedirect(t, p, "/account/devices?device_id=OLDERDEVICE&done=device_ended")
			p = f.br.Follow(p)
			wantBody(t, p, http.StatusOK, "The device OLDERDEVICE was signed out.")
			if diff := cmp.Diff([]string{"NEWERDEVICE"}, deviceIDsListed(p.Body)); diff != "" {
				t.Errorf("devices listed after the sign-out (-want +got):\n%s", diff)
			}
			if active(t, f.s, older) {
				t.Error("the signed-out device's access token is still active")
			}
			if !active(t, f.s, newer) {
				t.Error("the other device's access token stopped working")
			}
			// The same form again: the device is gone.
			wantBody(t, f.br.Submit(confirm, map[string]string{template.FieldPassword: testPassword}, ""),
				http.StatusNotFound, "<h1>Device not found</h1>")
		})
	}
}

// TestAccountDeviceView shows one device with everything the list shows, and the full user
// agent; another user's device is not found.
func TestAccountDeviceView(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	f.device(t, "VIEWDEVICE")
	p := f.get(t, "/account/devices/view?device_id=VIEWDEVICE")
	wantBody(t, p, http.StatusOK, "<h1>Device</h1>", "<strong>Test App</strong>", "app.example.org",
		"<code>VIEWDEVICE</code>", "just now", "127.0.0.1", "Go-http-client/1.1",
		`href="/account/devices/delete?device_id=VIEWDEVICE"`)

	f.s.CreateUser(t, "bob", testPassword)
	bob := f.s.NewBrowser(t)
	signIn(t, f.s, bob, "bob", testPassword)
	for _, path := range []string{"/account/devices/view?device_id=VIEWDEVICE", "/account/devices/delete?device_id=VIEWDEVICE"} {
		wantBody(t, bob.Get(f.s.URL+path), http.StatusNotFound, "<h1>Device not found</h1>")
	}
	bobsForm := bob.Get(f.s.URL + "/account/")
	p = (&accountFixture{s: f.s, br: bob}).postForm(t, "/account/devices/delete?device_id=VIEWDEVICE",
		map[string][]string{"csrf": {csrfOf(t, bobsForm)}, "password": {testPassword}}, nil)
	wantBody(t, p, http.StatusNotFound, "<h1>Device not found</h1>")
	if len(deviceIDsListed(f.get(t, "/account/devices").Body)) != 1 {
		t.Error("bob signed out alice's device")
	}
}

// TestAccountReauthRateLimited: password entries on the account pages draw on the sign-in
// form's per-account bucket, so a stolen browser session gets no extra guesses.
func TestAccountReauthRateLimited(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, func(c *config.Config) {
		c.RateLimiting.Login.PerAccount = config.RateLimit{Burst: 3, PerSecond: 0.001}
	})
	token := f.device(t, "LIMITDEVICE") // the sign-in took the first token
	confirm := f.get(t, "/account/devices/delete?device_id=LIMITDEVICE")
	for range 2 {
		wantBody(t, f.br.Submit(confirm, map[string]string{template.FieldPassword: "guess"}, ""), http.StatusBadRequest, "This password is wrong.")
	}
	p := f.br.Submit(confirm, map[string]string{template.FieldPassword: testPassword}, "")
	wantBody(t, p, http.StatusTooManyRequests, "<h1>Too many attempts</h1>")
	if !active(t, f.s, token) {
		t.Error("a rate-limited form signed the device out")
	}
}
