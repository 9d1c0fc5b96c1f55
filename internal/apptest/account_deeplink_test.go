package apptest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
)

// deepLinkCases are the account_management_uri actions a client may send (SPEC.md §1.11):
// the stable ones and the names used before MSC4191 settled, with the page each lands on.
var deepLinkCases = []struct {
	action  string
	device  bool // the action takes device_id
	path    string
	heading string
}{
	{"org.matrix.profile", false, "/account/profile", "<h1>Profile</h1>"},
	{"profile", false, "/account/profile", "<h1>Profile</h1>"},
	{"org.matrix.devices_list", false, "/account/devices", "<h1>Devices</h1>"},
	{"org.matrix.sessions_list", false, "/account/devices", "<h1>Devices</h1>"},
	{"sessions_list", false, "/account/devices", "<h1>Devices</h1>"},
	{"org.matrix.device_view", true, "/account/devices/view", "<h1>Device</h1>"},
	{"org.matrix.session_view", true, "/account/devices/view", "<h1>Device</h1>"},
	{"session_view", true, "/account/devices/view", "<h1>Device</h1>"},
	{"org.matrix.device_delete", true, "/account/devices/delete", "<h1>Sign out this device?</h1>"},
	{"org.matrix.session_end", true, "/account/devices/delete", "<h1>Sign out this device?</h1>"},
	{"session_end", true, "/account/devices/delete", "<h1>Sign out this device?</h1>"},
	{"org.matrix.account_deactivate", false, "/account/deactivate", "<h1>Deactivate your account</h1>"},
	{"org.matrix.cross_signing_reset", false, "/account/cross-signing-reset", "<h1>Reset your encryption identity</h1>"},
}

// TestAccountDeepLinks: every advertised action and every legacy name lands on its page
// (R83), device_id is honoured (R84), unknown actions show the home page (R85).
func TestAccountDeepLinks(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	const device = "QR+dev/ice="
	f.device(t, device)
	doc, _, _ := getDoc(t, f.s, pathMetadata)
	if got, want := doc["account_management_uri"], f.s.URL+"/account/"; got != want {
		t.Fatalf("account_management_uri %v, want %s", got, want)
	}
	var advertised []string
	for _, a := range doc["account_management_actions_supported"].([]any) {
		advertised = append(advertised, a.(string))
	}
	var stable []string
	for _, c := range deepLinkCases {
		if slices.Contains(advertised, c.action) {
			stable = append(stable, c.action)
		}
	}
	slices.Sort(stable)
	if diff := cmp.Diff(advertised, stable); diff != "" {
		t.Errorf("advertised actions without a test case (-advertised +tested):\n%s", diff)
	}
	if len(advertised) != 6 {
		t.Errorf("%d actions advertised, want the six stable ones: %v", len(advertised), advertised)
	}

	for _, c := range deepLinkCases {
		t.Run(c.action, func(t *testing.T) {
			q := url.Values{"action": {c.action}, "device_id": {device}}
			p := f.get(t, "/account/?"+q.Encode())
			want := c.path
			if c.device {
				want += "?" + url.Values{"device_id": {device}}.Encode()
			}
			wantRedirect(t, p, want)
			p = f.br.Follow(p)
			wantBody(t, p, http.StatusOK, c.heading)
			if c.device {
				// html/template writes '+' as a character reference.
				wantBody(t, p, http.StatusOK, "<code>QR&#43;dev/ice=</code>")
			}
		})
	}
	t.Run("unknown actions", func(t *testing.T) {
		for _, q := range []string{"", "?action=org.example.unknown", "?action=ORG.MATRIX.PROFILE&device_id=x", "?action=", "?device_id=" + device} {
			wantBody(t, f.get(t, "/account/"+q), http.StatusOK, "<h1>Your account</h1>")
		}
	})
	t.Run("device actions without a device", func(t *testing.T) {
		wantRedirect(t, f.get(t, "/account/?action=org.matrix.device_delete"), "/account/devices")
	})
	t.Run("without the slash", func(t *testing.T) {
		wantRedirect(t, f.get(t, "/account?action=org.matrix.profile"), "/account/?action=org.matrix.profile")
	})
	t.Run("unknown device", func(t *testing.T) {
		wantBody(t, f.get(t, "/account/devices/view?device_id=NOPE"), http.StatusNotFound, "<h1>Device not found</h1>")
		wantBody(t, f.get(t, "/account/devices/delete?device_id=NOPE"), http.StatusNotFound, "<h1>Device not found</h1>")
		wantBody(t, f.get(t, "/account/devices/view"), http.StatusNotFound, "<h1>Device not found</h1>")
	})
}

// TestAccountSignInComesBack: a deep link opened without a browser session goes through the
// sign-in page and lands where it was going, device_id included.
func TestAccountSignInComesBack(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	f.device(t, "DEVICEAAAA")
	br := f.s.NewBrowser(t)
	link := "/account/?action=org.matrix.device_delete&device_id=DEVICEAAAA"
	p := br.Get(f.s.URL + link)
	wantRedirect(t, p, "/login?"+url.Values{"next": {link}}.Encode())
	p = br.Follow(p)
	if next, _ := inputValue(t, p.Body, template.FieldNext); next != link {
		t.Fatalf("the sign-in form continues to %q, want %q", next, link)
	}
	p = br.Submit(p, map[string]string{template.FieldUsername: "alice", template.FieldPassword: testPassword}, "")
	wantRedirect(t, p, link)
	p = br.Follow(p)
	wantRedirect(t, p, "/account/devices/delete?device_id=DEVICEAAAA")
	wantBody(t, br.Follow(p), http.StatusOK, "<h1>Sign out this device?</h1>", "<code>DEVICEAAAA</code>")
}

// TestAccountFeaturesOff: with display name changes, password changes and deactivation off,
// those pages are not linked, answer a readable 404, and deactivation is not advertised.
func TestAccountFeaturesOff(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, func(c *config.Config) {
		c.Account.DisplayNameChangeAllowed = false
		c.Account.PasswordChangeAllowed = false
		c.Account.DeactivationAllowed = false
	})
	home := f.get(t, "/account/")
	wantBody(t, home, http.StatusOK, `href="/account/profile"`, `href="/account/devices"`, `href="/account/browsers"`)
	for _, gone := range []string{`href="/account/password"`, `href="/account/deactivate"`} {
		if strings.Contains(home.Body, gone) {
			t.Errorf("the home page links %s", gone)
		}
	}
	for _, path := range []string{"/account/password", "/account/deactivate"} {
		wantBody(t, f.get(t, path), http.StatusNotFound, "<h1>Page not found</h1>", "This server does not offer this page.")
	}
	csrf := csrfOf(t, home)
	for _, path := range []string{"/account/password", "/account/deactivate", "/account/profile"} {
		p := f.postForm(t, path, url.Values{"csrf": {csrf}, "display_name": {"Eve"}, "password": {testPassword}, "confirm": {"alice"}}, nil)
		wantBody(t, p, http.StatusNotFound, "This server does not offer this page.")
	}
	profile := f.get(t, "/account/profile")
	wantBody(t, profile, http.StatusOK, "This server does not let you change your display name.")
	if strings.Contains(profile.Body, "<form") {
		t.Error("the profile page has a form while display name changes are off")
	}
	wantBody(t, f.get(t, "/account/?action=org.matrix.account_deactivate"), http.StatusOK, "<h1>Your account</h1>")
	doc, _, _ := getDoc(t, f.s, pathMetadata)
	if acts := doc["account_management_actions_supported"].([]any); slices.Contains(acts, any("org.matrix.account_deactivate")) || len(acts) != 5 {
		t.Errorf("actions with deactivation off: %v", acts)
	}
}

// TestAccountUnderPathPrefix: with the public URL under a path, the discovery document, the
// deep links, the sign-in detour and every link on the pages carry the prefix.
func TestAccountUnderPathPrefix(t *testing.T) {
	t.Parallel()
	s := Start(t, func(c *config.Config) { c.HTTP.PublicURL += "auth/" })
	s.CreateUser(t, "alice", testPassword)
	doc, _, _ := getDoc(t, s, "/auth"+pathMetadata)
	if got, want := doc["account_management_uri"], s.URL+"/auth/account/"; got != want {
		t.Errorf("account_management_uri %v, want %s", got, want)
	}
	br := s.NewBrowser(t)
	link := "/auth/account/?action=org.matrix.devices_list"
	p := br.Get(s.URL + link)
	wantRedirect(t, p, "/auth/login?"+url.Values{"next": {link}}.Encode())
	p = br.Submit(br.Follow(p), map[string]string{template.FieldUsername: "alice", template.FieldPassword: testPassword}, "")
	wantRedirect(t, p, link)
	p = br.Follow(p)
	wantRedirect(t, p, "/auth/account/devices")
	wantBody(t, br.Follow(p), http.StatusOK, "<h1>Devices</h1>", `href="/auth/account/"`)
	home := br.Get(s.URL + "/auth/account")
	wantRedirect(t, home, "/auth/account/")
	home = br.Follow(home)
	wantBody(t, home, http.StatusOK, `href="/auth/account/profile"`, `action="/auth/logout"`)
	if strings.Contains(strings.ReplaceAll(home.Body, `"/auth/`, ""), `href="/account`) {
		t.Errorf("a link without the prefix:\n%s", home.Body)
	}
}
