package apptest

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/browsertest"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// chromiumScreenshots, when set, is where TestLoginFlowInChromium saves PNGs of the pages it
// walks through, for a person to look at: go test ./internal/apptest -run Chromium
// -apptest.screenshots=/tmp/shots. Nothing is written by default.
var chromiumScreenshots = flag.String("apptest.screenshots", "", "write PNG screenshots of the login flow in Chromium to this directory")

// chromiumStepTimeout bounds one subtest's browser actions: a query waits for its element
// until the context ends, so without it a missing element would stall until browsertest's
// two-minute limit.
const chromiumStepTimeout = 30 * time.Second

// sessionCookie is the browser session's cookie on plain http (session.New; the __Host-
// prefixed name is used on https only).
const sessionCookie = "mxauth-session"

// callbackReceiver plays the native client's loopback redirect listener (RFC 8252 §7.3): it
// records the query of every request to /callback and answers a tiny page.
type callbackReceiver struct {
	server *httptest.Server
	got    chan url.Values
}

func newCallbackReceiver(t *testing.T) *callbackReceiver {
	t.Helper()
	c := &callbackReceiver{got: make(chan url.Values, 4)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		select {
		case c.got <- r.URL.Query():
		default: // more callbacks than a test expects; wantNoCallback reports the first ones
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Signed in</title><p>You can close this window.")
	})
	// Chromium asks for a favicon; answer so that a 404 does not land in the browser log.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	c.server = httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(c.server.Close)
	return c
}

// redirectURI is the registered http://127.0.0.1/callback with the receiver's port, which
// the server must accept (RFC 8252 §7.3: any port on loopback).
func (c *callbackReceiver) redirectURI() string { return c.server.URL + "/callback" }

// wait returns the query of the next callback. The browser has already loaded the callback
// page when the click that led there returns, so a short wait is enough.
func (c *callbackReceiver) wait(t *testing.T) url.Values {
	t.Helper()
	select {
	case q := <-c.got:
		return q
	case <-time.After(5 * time.Second):
		t.Fatal("the client's redirect URI received no callback")
		return nil
	}
}

func (c *callbackReceiver) wantNoCallback(t *testing.T) {
	t.Helper()
	select {
	case q := <-c.got:
		t.Errorf("the client's redirect URI received a callback: %v", q)
	default:
	}
}

// chromiumTab is one tab in a browser context of its own (its own cookies, like a private
// window), with JavaScript off and its log recorded.
type chromiumTab struct {
	t   *testing.T
	ctx context.Context // for actions; ends after chromiumStepTimeout
	log *browsertest.LogRecorder
	// errorStatusURLs are pages the test expects to answer with an error status; the browser
	// logs each such document as a network error, which is intended there.
	errorStatusURLs map[string]bool
}

func newChromiumTab(t *testing.T, browser context.Context) *chromiumTab {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first command opens the tab, whose life is bound to tabCtx: it must not carry the
	// step timeout.
	browsertest.DisableJavaScript(tabCtx, t)
	log := browsertest.RecordLog(tabCtx, t)
	ctx, cancelSteps := context.WithTimeout(tabCtx, chromiumStepTimeout)
	t.Cleanup(cancelSteps)
	return &chromiumTab{t: t, ctx: ctx, log: log, errorStatusURLs: map[string]bool{}}
}

// open navigates to u and returns where the browser ended up, after redirects.
func (b *chromiumTab) open(u string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("opening %s: %v", u, err)
	}
	return resp
}

// click clicks the element and waits for the page it leads to.
func (b *chromiumTab) click(selector string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("clicking %s: %v", selector, err)
	}
	return resp
}

func (b *chromiumTab) text(selector string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("reading the text of %s: %v", selector, err)
	}
	return strings.TrimSpace(s)
}

func (b *chromiumTab) value(selector string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("reading the value of %s: %v", selector, err)
	}
	return s
}

func (b *chromiumTab) title() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Title())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// signIn types the credentials into the sign-in form and submits it.
func (b *chromiumTab) signIn(username, password string) *network.Response {
	b.t.Helper()
	if err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.ID(template.FieldUsername), username),
		chromedp.SendKeys(chromedp.ID(template.FieldPassword), password),
	); err != nil {
		b.t.Fatalf("typing the credentials: %v", err)
	}
	return b.click("form.stack button[type=submit]")
}

// cookie returns the browser's cookie name for u, and whether it has one.
func (b *chromiumTab) cookie(u, name string) (*network.Cookie, bool) {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		b.t.Fatalf("reading the cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

func (b *chromiumTab) screenshot(name string) {
	b.t.Helper()
	if *chromiumScreenshots != "" {
		browsertest.Screenshot(b.ctx, b.t, filepath.Join(*chromiumScreenshots, name))
	}
}

// wantCleanLog fails the test for every message in the browser log: a page of mxauth must not
// make the browser complain, and a Content-Security-Policy violation is reported there.
func (b *chromiumTab) wantCleanLog() {
	b.t.Helper()
	for _, e := range b.log.Entries() {
		if e.Source == "network" && b.errorStatusURLs[e.URL] {
			continue
		}
		b.t.Errorf("browser log: %s", e)
	}
}

// wantPage checks that the browser shows target (compared without its query) with the status.
func wantPage(t *testing.T, resp *network.Response, target string, status int) {
	t.Helper()
	got, err := url.Parse(resp.URL)
	if err != nil {
		t.Fatal(err)
	}
	got.RawQuery = ""
	if got.String() != target || resp.Status != int64(status) {
		t.Fatalf("the browser is at %s (status %d), want %s (status %d)", resp.URL, resp.Status, target, status)
	}
}

// TestLoginFlowInChromium runs the authorization code flow in a real browser with JavaScript
// off, against the whole app: a native client sends the person to /authorize, they sign in
// and answer the consent page, and the browser brings the answer to the client's loopback
// redirect URI.
func TestLoginFlowInChromium(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	s := Start(t, nil)
	s.CreateUser(t, "alice", testPassword)
	clientID := nativeClient(t, s, "")
	loginURL := s.URL + account.PathLogin

	// start opens the authorization URL in a new private tab and expects the sign-in page.
	start := func(t *testing.T, state string) (*chromiumTab, *callbackReceiver, *oauth2.Config, string) {
		t.Helper()
		receiver := newCallbackReceiver(t)
		conf := oauthConfig(s, clientID, receiver.redirectURI(), stableScope)
		verifier := oauth2.GenerateVerifier()
		tab := newChromiumTab(t, browser)
		wantPage(t, tab.open(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))), loginURL, http.StatusOK)
		if got, want := tab.title(), "Sign in · "+s.Config.Matrix.Homeserver; got != want {
			t.Errorf("sign-in page title %q, want %q", got, want)
		}
		return tab, receiver, conf, verifier
	}
	// consentPage signs in and expects the consent page of the client.
	consentPage := func(t *testing.T, tab *chromiumTab) {
		t.Helper()
		resp := tab.signIn("alice", testPassword)
		if !strings.HasPrefix(resp.URL, s.URL+"/consent/") || resp.Status != http.StatusOK {
			t.Fatalf("after signing in the browser is at %s (status %d), want the consent page", resp.URL, resp.Status)
		}
		got := map[string]string{
			"heading":   tab.text("h1"),
			"client":    tab.text(".client-host"),
			"device ID": tab.text("dl.details dd code"),
			"user":      tab.text("strong.username"),
		}
		want := map[string]string{
			"heading":   "Allow Test App to access your account?",
			"client":    "app.example.org",
			"device ID": "ABCDEFGHIJ",
			"user":      "alice",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("consent page (-want +got):\n%s", diff)
		}
	}
	decide := func(t *testing.T, tab *chromiumTab, receiver *callbackReceiver, action string) url.Values {
		t.Helper()
		resp := tab.click(fmt.Sprintf("form.actions button[name=%s][value=%s]", template.FieldAction, action))
		wantPage(t, resp, receiver.redirectURI(), http.StatusOK)
		return receiver.wait(t)
	}

	t.Run("allow", func(t *testing.T) {
		t.Parallel()
		// A state with characters that need escaping must come back unchanged (RFC 6749 §4.1.2).
		const state = "allow st@te/+&="
		tab, receiver, conf, verifier := start(t, state)
		tab.screenshot("login.png")
		consentPage(t, tab)
		tab.screenshot("consent.png")
		q := decide(t, tab, receiver, template.ActionAllow)
		if q.Get("state") != state || q.Get("code") == "" || q.Has("error") {
			t.Fatalf("callback query %v, want a code and state %q", q, state)
		}
		if _, ok := tab.cookie(s.URL, sessionCookie); !ok {
			t.Errorf("no %s cookie after signing in", sessionCookie)
		}
		tab.wantCleanLog()

		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.Client)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchanging the code: %v", err)
		}
		if !strings.HasPrefix(tok.AccessToken, "mat_") || !strings.HasPrefix(tok.RefreshToken, "mar_") ||
			!strings.EqualFold(tok.TokenType, "bearer") || tok.Extra("scope") != stableScope {
			t.Errorf("token %+v scope %v", tok, tok.Extra("scope"))
		}
		if info := userinfo(t, s, tok.AccessToken); info["username"] != "alice" {
			t.Errorf("userinfo %v, want alice's", info)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		tab, receiver, _, _ := start(t, "wrong-password")
		tab.errorStatusURLs[loginURL] = true // the failed sign-in answers 401 (RFC 9110 §15.5.2)
		consentURL, err := url.Parse(tab.value("input[name=" + template.FieldNext + "]"))
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, tab.signIn("alice", "not "+testPassword), loginURL, http.StatusUnauthorized)
		tab.screenshot("login-error.png")
		got := map[string]string{
			"alert":    tab.text("[role=alert]"),
			"username": tab.value("#" + template.FieldUsername),
			"password": tab.value("#" + template.FieldPassword),
		}
		want := map[string]string{"alert": "Wrong username or password.", "username": "alice", "password": ""}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("sign-in page after a wrong password (-want +got):\n%s", diff)
		}
		if c, ok := tab.cookie(s.URL, sessionCookie); ok {
			t.Errorf("a wrong password set the session cookie %s", c.Value)
		}
		// Whatever the browser holds, it is not signed in: the consent page sends it back to
		// the sign-in page.
		wantPage(t, tab.open(s.URL+consentURL.Path), loginURL, http.StatusOK)
		receiver.wantNoCallback(t)
		tab.wantCleanLog()
	})

	t.Run("deny", func(t *testing.T) {
		t.Parallel()
		tab, receiver, _, _ := start(t, "deny-state")
		consentPage(t, tab)
		q := decide(t, tab, receiver, template.ActionDeny)
		// RFC 6749 §4.1.2.1: access_denied with the state, and no code.
		if q.Get("error") != "access_denied" || q.Get("state") != "deny-state" || q.Has("code") {
			t.Errorf("callback query %v, want error=access_denied with the state and no code", q)
		}
		tab.wantCleanLog()
	})
}
