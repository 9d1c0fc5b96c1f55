package apptest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/golden"
	"github.com/mxauth/mxauth/internal/template"
)

// accountFormFields are the field names the account pages' forms may submit.
var accountFormFields = []string{
	template.FieldCSRF, template.FieldPassword, template.FieldDisplayName, template.FieldNewPassword,
	template.FieldNewPasswordAgain, template.FieldConfirm, template.FieldBrowserSession,
}

// TestAccountPagesGolden renders every account page, and the error pages they show, through
// the whole app, compares them with golden files (scrubbed of tokens, times and IDs) and
// checks what every page must have: one <h1>, a label for every field, no script, and a CSRF
// token in every form, which posts only fields the handlers read.
func TestAccountPagesGolden(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	f.device(t, "GOLDENDEV1")
	second := f.s.NewBrowser(t)
	f.s.Clock.Advance(time.Minute)
	signIn(t, f.s, second, "alice", testPassword)

	pages := map[string]Page{}
	add := func(name string, p Page) { pages[name] = p }
	add("account_devices_empty", func() Page {
		// bob has no devices.
		f.s.CreateUser(t, "bob", testPassword)
		bob := f.s.NewBrowser(t)
		signIn(t, f.s, bob, "bob", testPassword)
		return bob.Get(f.s.URL + "/account/devices")
	}())
	profile := f.get(t, "/account/profile")
	add("account_profile", profile)
	add("account_profile_errors", f.br.Submit(profile, map[string]string{template.FieldDisplayName: strings.Repeat("<b>", 90)}, ""))
	add("account_profile_saved", f.br.Follow(f.br.Submit(profile, map[string]string{template.FieldDisplayName: "Alice"}, "")))
	add("account_home", f.get(t, "/account/"))
	add("account_devices", f.get(t, "/account/devices"))
	add("account_device", f.get(t, "/account/devices/view?device_id=GOLDENDEV1"))
	deleteForm := f.get(t, "/account/devices/delete?device_id=GOLDENDEV1")
	add("account_device_delete", deleteForm)
	add("account_device_delete_wrong_password", f.br.Submit(deleteForm, map[string]string{template.FieldPassword: "wrong"}, ""))
	add("account_device_not_found", f.get(t, "/account/devices/view?device_id=NOSUCHDEVICE"))
	passwordForm := f.get(t, "/account/password")
	add("account_password", passwordForm)
	add("account_password_errors", f.br.Submit(passwordForm, map[string]string{template.FieldNewPassword: "short"}, ""))
	add("account_cross_signing_reset", f.get(t, "/account/cross-signing-reset"))
	add("account_browsers", f.get(t, "/account/browsers"))
	deactivateForm := f.get(t, "/account/deactivate")
	add("account_deactivate", deactivateForm)
	add("account_deactivate_errors", f.br.Submit(deactivateForm, map[string]string{template.FieldConfirm: "bob"}, ""))
	add("account_cross_signing_reset_approved", f.br.Follow(f.br.Submit(f.get(t, "/account/cross-signing-reset"), nil, "")))
	add("account_de_devices", func() Page {
		req, _ := http.NewRequest(http.MethodGet, f.s.URL+"/account/devices", nil)
		req.Header.Set("Accept-Language", "de-DE,de;q=0.9,en;q=0.5")
		resp, err := f.br.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return f.br.page(resp)
	}())
	add("account_deactivated", f.br.Submit(deactivateForm, map[string]string{template.FieldPassword: testPassword, template.FieldConfirm: "alice"}, ""))
	off := startAccount(t, Start, func(c *config.Config) { c.Account.PasswordChangeAllowed = false })
	add("account_feature_off", off.get(t, "/account/password"))

	for name, p := range pages {
		t.Run(name, func(t *testing.T) {
			if p.Status >= 500 || p.Status/100 == 3 {
				t.Fatalf("%s", p)
			}
			golden.Assert(t, name+".html", []byte(scrub(p.Body)))
			checkAccountPageStructure(t, p.Body)
		})
	}
}

// TestAccountPagesHeaders: every account page carries the template package's security
// headers, including on its error pages.
func TestAccountPagesHeaders(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	for _, path := range []string{"/account/", "/account/profile", "/account/devices", "/account/devices/view?device_id=NONE",
		"/account/password", "/account/deactivate", "/account/cross-signing-reset", "/account/browsers"} {
		resp, err := f.br.Client.Get(f.s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

// checkAccountPageStructure checks what assistive technology and the handlers rely on.
func checkAccountPageStructure(t *testing.T, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var h1s, scripts int
	labels := map[string]bool{}
	var inputs, forms []*html.Node
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "h1":
			h1s++
		case "script":
			scripts++
		case "label":
			labels[attr(n, "for")] = true
		case "input":
			inputs = append(inputs, n)
		case "form":
			forms = append(forms, n)
		}
	}
	if h1s != 1 || scripts != 0 {
		t.Errorf("%d <h1>, %d <script>; want 1 and 0", h1s, scripts)
	}
	for _, in := range inputs {
		// A hidden username field (for password managers) needs no label.
		if attr(in, "type") != "hidden" && !hasAttr(in, "hidden") && !labels[attr(in, "id")] {
			t.Errorf("input %v has no label", in.Attr)
		}
		if attr(in, "type") == "password" && hasAttr(in, "value") {
			t.Errorf("password input %v shows a value", in.Attr)
		}
	}
	for _, form := range forms {
		var hasCSRF bool
		for n := range form.Descendants() {
			name := attr(n, "name")
			if n.Type != html.ElementNode || name == "" {
				continue
			}
			if !slices.Contains(accountFormFields, name) {
				t.Errorf("form field %q is not one the handlers read", name)
			}
			hasCSRF = hasCSRF || name == template.FieldCSRF && attr(n, "type") == "hidden" && attr(n, "value") != ""
		}
		if attr(form, "method") != "post" || !hasCSRF {
			t.Errorf("form %v: want method post and a CSRF token", form.Attr)
		}
	}
}

func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}
