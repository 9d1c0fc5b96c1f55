package apptest

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/browsertest"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// newScriptedChromiumTab is newChromiumTab with JavaScript on, as most people browse.
func newScriptedChromiumTab(t *testing.T, browser context.Context) *chromiumTab {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first command opens the tab, whose life is bound to tabCtx: it must not carry the
	// step timeout.
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	log := browsertest.RecordLog(tabCtx, t)
	ctx, cancelSteps := context.WithTimeout(tabCtx, chromiumStepTimeout)
	t.Cleanup(cancelSteps)
	return &chromiumTab{t: t, ctx: ctx, log: log, errorStatusURLs: map[string]bool{}}
}

// type_ types text into the field with the id.
func (b *chromiumTab) type_(id, text string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.ID(id), text)); err != nil {
		b.t.Fatalf("typing into #%s: %v", id, err)
	}
}

// shot saves a screenshot under dir and logs where.
func (b *chromiumTab) shot(dir, name string) {
	b.t.Helper()
	path := filepath.Join(dir, name)
	browsertest.Screenshot(b.ctx, b.t, path)
	b.t.Logf("screenshot: %s", path)
}

// TestSignupInChromium runs prompt=create in a real browser, once with JavaScript (the
// availability of the username appears as it is typed) and once without (the "Check
// availability" button), each time from the client's authorization URL to a code at its
// loopback redirect URI, which golang.org/x/oauth2 exchanges.
func TestSignupInChromium(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	s := Start(t, openSignup(nil))
	s.CreateUser(t, "taken", testPassword)
	clientID := nativeClient(t, s, "")
	registerURL := s.URL + account.PathRegister

	// start opens the authorization URL with prompt=create and expects the sign-up page.
	start := func(t *testing.T, tab *chromiumTab) (*callbackReceiver, *oauth2.Config, string) {
		t.Helper()
		receiver := newCallbackReceiver(t)
		conf := oauthConfig(s, clientID, receiver.redirectURI(), stableScope)
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("signup", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "create"))
		wantPage(t, tab.open(authURL), registerURL, http.StatusOK)
		if got, want := tab.title(), "Create an account · "+s.Config.Matrix.Homeserver; got != want {
			t.Errorf("sign-up page title %q, want %q", got, want)
		}
		return receiver, conf, verifier
	}
	// finish types the passwords, creates the account, allows the client and exchanges the code.
	finish := func(t *testing.T, tab *chromiumTab, receiver *callbackReceiver, conf *oauth2.Config, verifier, username, dir string) {
		t.Helper()
		tab.type_(template.FieldPassword, signupPassword)
		tab.type_(template.FieldPasswordConfirm, signupPassword)
		resp := tab.click("form.stack button.primary")
		if !strings.HasPrefix(resp.URL, s.URL+"/consent/") || resp.Status != http.StatusOK {
			t.Fatalf("after sign-up the browser is at %s (status %d), want the consent page", resp.URL, resp.Status)
		}
		if got := tab.text("strong.username"); got != username {
			t.Errorf("consent page signed in as %q, want %q", got, username)
		}
		tab.shot(dir, "consent.png")
		resp = tab.click("form.actions button[name=action][value=allow]")
		wantPage(t, resp, receiver.redirectURI(), http.StatusOK)
		q := receiver.wait(t)
		if q.Get("state") != "signup" || q.Get("code") == "" {
			t.Fatalf("callback query %v, want a code and the state", q)
		}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.Client)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchanging the code: %v", err)
		}
		if info := userinfo(t, s, tok.AccessToken); info["username"] != username {
			t.Errorf("userinfo %v, want %s's", info, username)
		}
		tab.wantCleanLog()
	}

	t.Run("with JavaScript", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		tab := newScriptedChromiumTab(t, browser)
		receiver, conf, verifier := start(t, tab)
		// The live check makes the button unnecessary, so the script removes it.
		gone, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`document.getElementById("check-availability") === null`))
		if err != nil || !gone {
			t.Errorf("check button removed: %v, %v; want the script to remove it", gone, err)
		}
		live := func(want string) {
			t.Helper()
			expr := `(() => { const t = document.getElementById("` + template.AvailabilityID + `").textContent; return t === ` +
				`"` + want + `" ? t : ""; })()`
			if _, err := chromedp.Run(tab.ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				got := tab.text("#" + template.AvailabilityID)
				t.Fatalf("the live region says %q, want %q: %v", got, want, err)
			}
		}
		tab.type_(template.FieldUsername, "taken")
		live("This username is taken. Choose another one.")
		tab.shot(dir, "signup-taken.png")
		invalid, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`document.getElementById("username").getAttribute("aria-invalid") || ""`))
		if err != nil || invalid != "true" {
			t.Errorf("aria-invalid of a taken username: %q, %v", invalid, err)
		}
		// Typing more makes a free name: the message follows.
		tab.type_(template.FieldUsername, "-not")
		live("This username is available.")
		tab.shot(dir, "signup-available.png")
		if invalid, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`document.getElementById("username").hasAttribute("aria-invalid")`)); err != nil || invalid {
			t.Errorf("a free username is still marked invalid: %v, %v", invalid, err)
		}
		finish(t, tab, receiver, conf, verifier, "taken-not", dir)
	})

	t.Run("without JavaScript", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		tab := newChromiumTab(t, browser)
		receiver, conf, verifier := start(t, tab)
		tab.type_(template.FieldUsername, "nojs")
		tab.type_(template.FieldDisplayName, "No Script")
		wantPage(t, tab.click("#check-availability"), s.URL+account.PathRegisterCheck, http.StatusOK)
		if got := tab.text("#" + template.AvailabilityID); got != "This username is available." {
			t.Errorf("after the check the page says %q", got)
		}
		if got := tab.value("#" + template.FieldDisplayName); got != "No Script" {
			t.Errorf("after the check the display name is %q", got)
		}
		tab.shot(dir, "signup-checked.png")
		finish(t, tab, receiver, conf, verifier, "nojs", dir)
	})
}
