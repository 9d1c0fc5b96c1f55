package apptest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
)

// TestGetsChangeNothing: a link or an <img> can make a browser send any GET, with its cookies
// (SameSite=Lax sends them on a top-level navigation), so no GET may act. Every form's path
// is fetched with the fields that would make its POST act, plus the consent page of a pending
// grant with action=allow; the account must come out as it went in: still signed in, the
// device still active, the password, display name and cross-signing state unchanged, the
// grant still pending.
func TestGetsChangeNothing(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, func(c *config.Config) {
		c.Account.DisplayNameChangeAllowed, c.Account.PasswordChangeAllowed, c.Account.DeactivationAllowed = true, true, true
	})
	token := f.device(t, "KEEPME")
	other := f.s.NewBrowser(t)
	signIn(t, f.s, other, "alice", testPassword)
	sessions, err := f.s.App.Store().BrowserSessions().ListActiveByUser(context.Background(), mustUser(t, f.s, "alice").ID, f.s.Clock.Now())
	if err != nil || len(sessions) != 2 {
		t.Fatalf("browser sessions: %v %v", sessions, err)
	}
	csrf := csrfOf(t, f.get(t, "/account/"))
	acting := url.Values{
		"csrf": {csrf}, "password": {testPassword}, "confirm": {"alice"}, "display_name": {"Mallory"},
		"new_password": {"mallory's passphrase"}, "new_password_again": {"mallory's passphrase"},
		"session": {sessions[0].ID, sessions[1].ID}, "action": {"allow"}, "device_id": {"KEEPME"},
	}.Encode()
	pending := f.br.Get(f.s.URL + "/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {loopbackCB}, "state": {"st"},
		"scope":          {"urn:matrix:client:api:* " + oauth2.DeviceScopeToken("NEWDEVICE")},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}.Encode())
	if !strings.Contains(pending.Location, "/consent/") {
		t.Fatalf("authorize: %s", pending)
	}
	for _, path := range []string{
		"/logout", "/account/profile", "/account/devices/delete", "/account/password", "/account/deactivate",
		"/account/cross-signing-reset", "/account/browsers/end", "/account/browsers/end-others",
		"/login", "/register", pending.Location,
	} {
		p := f.get(t, path+"?"+acting)
		if p.Status >= 500 || (p.Status == http.StatusSeeOther && strings.Contains(p.Location, "code=")) {
			t.Errorf("GET %s: %s", path, p)
		}
	}
	wantBody(t, f.get(t, "/account/"), http.StatusOK, "<h1>Your account</h1>")
	wantBody(t, other.Get(f.s.URL+"/account/"), http.StatusOK, "<h1>Your account</h1>")
	if !active(t, f.s, token) {
		t.Error("the device was signed out")
	}
	u := mustUser(t, f.s, "alice")
	if u.DisplayName != "" || !u.CanSignIn() || !u.CrossSigningResetAllowedUntil.IsZero() {
		t.Errorf("alice changed: display name %q, can sign in %v, cross-signing reset until %v",
			u.DisplayName, u.CanSignIn(), u.CrossSigningResetAllowedUntil)
	}
	signIn(t, f.s, f.s.NewBrowser(t), "alice", testPassword)
	g, err := f.s.App.Store().Grants().Get(context.Background(), strings.TrimPrefix(pending.Location, "/consent/"))
	if err != nil || g.Status != model.GrantPending {
		t.Errorf("the grant: %+v %v, want it pending", g.Status, err)
	}
}

// mustUser reads a user from the server's store.
func mustUser(t *testing.T, s *Server, username string) model.User {
	t.Helper()
	u, err := s.App.Store().Users().GetByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
