package apptest

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/browsertest"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// TestAccountPagesInChromium walks the account pages in a real browser with JavaScript off: a
// client's device_delete deep link leads through the sign-in page to the confirmation, a wrong
// password is refused next to the field, the right one signs the device out, and every other
// page opens. A screenshot of each page is saved for a person to look at (the path is
// logged; -apptest.screenshots=DIR keeps them there).
func TestAccountPagesInChromium(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	f := startAccount(t, Start, nil)
	token := f.device(t, "CHROMEDEV1")
	f.device(t, "CHROMEDEV2")
	shots := t.TempDir() // removed after the test; -apptest.screenshots keeps them
	if *chromiumScreenshots != "" {
		shots = *chromiumScreenshots
	}
	t.Logf("screenshots of the account pages: %s", shots)
	tab := newChromiumTab(t, browser)
	shoot := func(name string) { browsertest.Screenshot(tab.ctx, t, filepath.Join(shots, name+".png")) }

	deleteURL := f.s.URL + account.PathAccountDeviceDelete
	wantPage(t, tab.open(f.s.URL+"/account/?action=org.matrix.device_delete&device_id=CHROMEDEV1"), f.s.URL+account.PathLogin, http.StatusOK)
	shoot("01-sign-in")
	wantPage(t, tab.signIn("alice", testPassword), deleteURL, http.StatusOK)
	if got := tab.text("h1"); got != "Sign out this device?" {
		t.Errorf("heading %q", got)
	}
	shoot("02-device-delete")

	confirm := func(password string) {
		t.Helper()
		if err := chromedp.Do(tab.ctx, chromedp.SendKeys(chromedp.ID(template.FieldPassword), password)); err != nil {
			t.Fatalf("typing the password: %v", err)
		}
	}
	confirm("not " + testPassword)
	tab.errorStatusURLs[deleteURL+"?device_id=CHROMEDEV1"] = true // the refused form answers 400
	wantPage(t, tab.click("form.stack button[type=submit]"), deleteURL, http.StatusBadRequest)
	got := map[string]string{"error": tab.text("#password-error"), "password": tab.value("#" + template.FieldPassword)}
	if diff := cmp.Diff(map[string]string{"error": "This password is wrong.", "password": ""}, got); diff != "" {
		t.Errorf("after a wrong password (-want +got):\n%s", diff)
	}
	shoot("03-device-delete-wrong-password")
	if !active(t, f.s, token) {
		t.Fatal("a wrong password signed the device out")
	}
	confirm(testPassword)
	wantPage(t, tab.click("form.stack button[type=submit]"), f.s.URL+account.PathAccountDevices, http.StatusOK)
	if got := tab.text("[role=status]"); got != "The device CHROMEDEV1 was signed out." {
		t.Errorf("notice %q", got)
	}
	shoot("04-devices-after-sign-out")
	if active(t, f.s, token) {
		t.Error("the signed-out device's token is still active")
	}

	pages := []struct{ name, path, heading string }{
		{"05-home", "/account/", "Your account"},
		{"06-profile", "/account/profile", "Profile"},
		{"07-device", "/account/devices/view?device_id=CHROMEDEV2", "Device"},
		{"08-password", "/account/password", "Change your password"},
		{"09-browsers", "/account/browsers", "Browser sessions"},
		{"10-cross-signing-reset", "/account/cross-signing-reset", "Reset your encryption identity"},
		{"11-deactivate", "/account/deactivate", "Deactivate your account"},
	}
	for _, p := range pages {
		resp := tab.open(f.s.URL + p.path)
		if resp.Status != http.StatusOK {
			t.Fatalf("%s: status %d", p.path, resp.Status)
		}
		if got := tab.text("h1"); got != p.heading {
			t.Errorf("%s: heading %q, want %q", p.path, got, p.heading)
		}
		shoot(p.name)
	}
	tab.wantCleanLog()
}
