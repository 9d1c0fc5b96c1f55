package apptest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/golden"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// promptValues is the discovery document's prompt_values_supported.
func promptValues(t *testing.T, s *Server) []string {
	t.Helper()
	doc, _, resp := getDoc(t, s, pathMetadata)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %d", resp.StatusCode)
	}
	var out []string
	list, _ := doc["prompt_values_supported"].([]any)
	for _, v := range list {
		out = append(out, v.(string))
	}
	return out
}

// TestSignupFlowEndToEnd runs prompt=create as a Matrix client would (R10, R44): the metadata
// offers create, /authorize opens the sign-up page, the new account goes straight on to the
// consent page, and the client's redirect URI gets a code that golang.org/x/oauth2 exchanges.
func TestSignupFlowEndToEnd(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, openSignup(nil))
			if got, want := promptValues(t, s), []string{"consent", "create", "login", "none"}; !cmp.Equal(got, want) {
				t.Errorf("R10: prompt_values_supported %v, want %v", got, want)
			}
			clientID := nativeClient(t, s, "")
			conf := oauthConfig(s, clientID, loopbackCB, stableScope)
			verifier := oauth2.GenerateVerifier()
			authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "create"))

			br := s.NewBrowser(t)
			p := br.Get(authURL)
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, account.PathRegister+"?next=") {
				t.Fatalf("R44: /authorize with prompt=create: %s", p)
			}
			p = br.Follow(p)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "Create an account") ||
				!strings.Contains(p.Body, `<strong class="client-name">Test App</strong>`) {
				t.Fatalf("sign-up page: %s", p)
			}
			p = br.Submit(p, signupFields("newbie", map[string]string{template.FieldDisplayName: " New Bie "}), "")
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/consent/") {
				t.Fatalf("sign-up: %s", p)
			}
			p = br.Follow(p)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `<strong class="username">newbie</strong>`) {
				t.Fatalf("consent page after sign-up: %s", p)
			}
			p = br.Submit(p, nil, "action=allow")
			cb, err := url.Parse(p.Location)
			if p.Status != http.StatusSeeOther || err != nil || !strings.HasPrefix(p.Location, loopbackCB) {
				t.Fatalf("consent: %s", p)
			}
			if cb.Query().Get("state") != "st" || cb.Query().Get("code") == "" {
				t.Fatalf("callback %s, want a code and the state", cb)
			}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.Client)
			tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchanging the code: %v", err)
			}
			if info := userinfo(t, s, tok.AccessToken); info["username"] != "newbie" {
				t.Errorf("userinfo %v, want newbie's", info)
			}
			u, err := s.App.Store().Users().GetByUsername(context.Background(), "newbie")
			if err != nil || u.DisplayName != "New Bie" || !u.CanSignIn() {
				t.Errorf("stored user %+v, %v: want display name %q and able to sign in", u, err, "New Bie")
			}
			// The password works at the sign-in form of another browser.
			other := s.NewBrowser(t)
			p = other.Get(s.URL + account.PathLogin)
			p = other.Submit(p, map[string]string{template.FieldUsername: "newbie", template.FieldPassword: signupPassword}, "")
			if p.Status != http.StatusSeeOther {
				t.Errorf("signing in with the new password: %s", p)
			}
		})
	}
}

// TestSignupClosed: with account.registration closed (the default) the metadata does not
// offer create, /authorize treats prompt=create like an unknown value (the sign-in page as
// usual), and the sign-up pages say they are closed.
func TestSignupClosed(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	if got := promptValues(t, s); slices.Contains(got, "create") {
		t.Errorf("R10: prompt_values_supported %v offers create while registration is closed", got)
	}
	clientID := nativeClient(t, s, "")
	conf := oauthConfig(s, clientID, loopbackCB, stableScope)
	br := s.NewBrowser(t)
	p := br.Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "create")))
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/consent/") {
		t.Fatalf("/authorize with prompt=create while closed: %s", p)
	}
	if p = br.Follow(p); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, account.PathLogin+"?") {
		t.Errorf("consent without a session: %s, want the sign-in page", p)
	}
	for _, path := range []string{account.PathRegister, account.PathRegisterAvailable + "?username=x", account.PathRegistered} {
		if p := br.Get(s.URL + path); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Sign-up is closed") {
			t.Errorf("GET %s: %s", path, p)
		}
	}
	csrfPage := br.Get(s.URL + account.PathLogin)
	if p := submitTo(t, br, csrfPage, account.PathRegister, signupFields("sneaky", nil)); p.Status != http.StatusNotFound {
		t.Errorf("POST %s while closed: %s", account.PathRegister, p)
	}
	if _, err := s.App.Store().Users().GetByUsername(context.Background(), "sneaky"); err == nil {
		t.Error("an account was created while registration is closed")
	}
}

// TestSignupWithoutFlow: /register opened directly ends on the welcome page, signed in.
func TestSignupWithoutFlow(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(nil))
	br := s.NewBrowser(t)
	p := br.Submit(openSignupPage(t, s, br), signupFields("walkin", nil), "")
	if p.Status != http.StatusSeeOther || p.Location != account.PathRegistered {
		t.Fatalf("sign-up: %s", p)
	}
	p = br.Follow(p)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `<strong class="username">@walkin:localhost</strong>`) ||
		!strings.Contains(p.Body, `href="/account/"`) {
		t.Fatalf("welcome page: %s", p)
	}
	if p := br.Get(s.URL + account.PathLogin); !strings.Contains(p.Body, "You are signed in") {
		t.Errorf("sign-in page after sign-up: %s", p)
	}
	// Without a session the welcome page is the sign-in page's business.
	if p := s.NewBrowser(t).Get(s.URL + account.PathRegistered); p.Status != http.StatusSeeOther || p.Location != account.PathLogin {
		t.Errorf("welcome page without a session: %s", p)
	}
}

// TestSignupKeepsWhatWasTyped: a refused form comes back with every value but the passwords,
// and the messages next to the fields.
func TestSignupKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(func(c *config.Config) { c.Branding.TOSURI = "https://example.org/terms" }))
	br := s.NewBrowser(t)
	p := br.Submit(openSignupPage(t, s, br), map[string]string{
		template.FieldUsername: "keeper", template.FieldDisplayName: "Kee Per",
		template.FieldPassword: signupPassword, template.FieldPasswordConfirm: signupPassword + "x",
		template.FieldTOS: template.TOSAccepted,
	}, "")
	if p.Status != http.StatusBadRequest {
		t.Fatalf("mismatched passwords: %s", p)
	}
	got := map[string]string{}
	for _, f := range []string{template.FieldUsername, template.FieldDisplayName, template.FieldPassword, template.FieldPasswordConfirm, template.FieldTOS} {
		v, ok := fieldValue(t, p.Body, f)
		if !ok {
			t.Fatalf("the refused form has no field %s", f)
		}
		got[f] = v
	}
	got["message"] = messageNextTo(t, p.Body, template.FieldPasswordConfirm)
	want := map[string]string{
		template.FieldUsername: "keeper", template.FieldDisplayName: "Kee Per", template.FieldPassword: "",
		template.FieldPasswordConfirm: "", template.FieldTOS: "checked",
		"message": "The passwords differ. Type the same password twice.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refused form (-want +got):\n%s", diff)
	}
	if strings.Contains(p.Body, signupPassword) {
		t.Error("the refused form sends the password back")
	}
}

// TestSignupCheckWithoutJavaScript: the "Check availability" button posts the form to
// /register/check, which answers next to the username and keeps the rest.
func TestSignupCheckWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(nil))
	s.CreateUser(t, "taken", testPassword)
	br := s.NewBrowser(t)
	form := openSignupPage(t, s, br)
	typed := map[string]string{template.FieldDisplayName: "Dee", template.FieldPassword: "secret-secret"}

	typed[template.FieldUsername] = "taken"
	p := submitTo(t, br, form, account.PathRegisterCheck, typed)
	if p.Status != http.StatusOK || messageNextTo(t, p.Body, template.FieldUsername) != "This username is taken. Choose another one." {
		t.Errorf("check of a taken name: %s", p)
	}
	typed[template.FieldUsername] = "free"
	p = submitTo(t, br, form, account.PathRegisterCheck, typed)
	if p.Status != http.StatusOK || textOfID(t, p.Body, template.AvailabilityID) != "This username is available." ||
		messageNextTo(t, p.Body, template.FieldUsername) != "" {
		t.Errorf("check of a free name: %s", p)
	}
	for field, want := range map[string]string{template.FieldUsername: "free", template.FieldDisplayName: "Dee", template.FieldPassword: ""} {
		if got, _ := fieldValue(t, p.Body, field); got != want {
			t.Errorf("after the check, %s = %q, want %q", field, got, want)
		}
	}
	// The form that comes back still creates the account.
	if p = br.Submit(p, signupFields("free", nil), ""); p.Status != http.StatusSeeOther {
		t.Errorf("sign-up after the check: %s", p)
	}
}

// TestSignupAvailabilityJSON is the endpoint register.js calls.
func TestSignupAvailabilityJSON(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(func(c *config.Config) { c.Account.BannedUsernames.Literals = []string{"root"} }))
	s.CreateUser(t, "taken", testPassword)
	tests := []struct {
		username, lang string
		want           map[string]any
	}{
		{"free", "", map[string]any{"available": true, "message": "This username is available."}},
		{"taken", "", map[string]any{"available": false, "message": "This username is taken. Choose another one."}},
		{"root", "", map[string]any{"available": false, "message": "This username is reserved. Choose another one."}},
		{"Bob", "", map[string]any{"available": false, "message": "Use lower-case letters only, for example bob."}},
		{"", "", map[string]any{"available": false, "message": "Choose a username."}},
		{"taken", "de-CH", map[string]any{"available": false, "message": "Dieser Benutzername ist vergeben. Wählen Sie einen anderen."}},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(http.MethodGet, s.URL+account.PathRegisterAvailable+"?"+url.Values{"username": {tc.username}}.Encode(), nil)
		req.Header.Set("Accept-Language", tc.lang)
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%q: %d %v %v", tc.username, resp.StatusCode, resp.Header, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q in %q (-want +got):\n%s", tc.username, tc.lang, diff)
		}
	}
}

// TestSignupCSRF: a forged, missing or cross-site submission gets the 403 page and makes
// no account.
func TestSignupCSRF(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(nil))
	br := s.NewBrowser(t)
	form := openSignupPage(t, s, br)
	_, hidden := parseForm(t, form.Body, "")
	tests := []struct {
		name   string
		path   string
		csrf   string
		header http.Header
	}{
		{"forged token", account.PathRegister, "forged", nil},
		{"missing token", account.PathRegister, "", nil},
		{"cross-site", account.PathRegister, hidden.Get(template.FieldCSRF), http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"forged check", account.PathRegisterCheck, "forged", nil},
	}
	for _, tc := range tests {
		values := url.Values{}
		for k, v := range signupFields("forged", nil) {
			values.Set(k, v)
		}
		if tc.csrf != "" {
			values.Set(template.FieldCSRF, tc.csrf)
		}
		p := postFrom(t, br, s.URL+tc.path, values, tc.header)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "This form has expired") {
			t.Errorf("%s: %s", tc.name, p)
		}
	}
	if _, err := s.App.Store().Users().GetByUsername(context.Background(), "forged"); err == nil {
		t.Error("a forged form created an account")
	}
}

// TestSignupPageGolden keeps the sign-up page as people see it, in English and German, with
// every optional part (continuing to a client, registration token, terms of service), and
// after a refused submission.
func TestSignupPageGolden(t *testing.T) {
	t.Parallel()
	s := Start(t, func(c *config.Config) {
		c.Account.Registration = config.RegistrationToken
		c.Branding.TOSURI = "https://example.org/terms"
	})
	clientID := nativeClient(t, s, "")
	authURL := oauthConfig(s, clientID, loopbackCB, stableScope).AuthCodeURL("st",
		oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "create"))
	br := s.NewBrowser(t)
	p := br.Get(authURL)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("authorize: %s", p)
	}
	signup, err := p.URL.Parse(p.Location)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "de"} {
		page := getWithLanguage(t, br, signup.String(), lang)
		if page.Status != http.StatusOK {
			t.Fatalf("%s sign-up page: %s", lang, page)
		}
		golden.Assert(t, "register_"+lang+".html", []byte(scrubSignupPage(page.Body)))
	}
	refused := br.Submit(br.Follow(p), map[string]string{
		template.FieldUsername: "Admin", template.FieldDisplayName: "Ad Min", template.FieldPassword: "short",
		template.FieldPasswordConfirm: "shorter", template.FieldRegistrationToken: "mrt_not-a-token",
	}, "")
	if refused.Status != http.StatusBadRequest {
		t.Fatalf("refused sign-up: %s", refused)
	}
	golden.Assert(t, "register_refused_en.html", []byte(scrubSignupPage(refused.Body)))
}

// TestSignupPromptCombinations: prompt=create with other prompt values, with sign-up open
// and closed (OIDC Core §3.1.2.1: none goes with no other value; an unsupported value is
// ignored, which is what create is while sign-up is closed).
func TestSignupPromptCombinations(t *testing.T) {
	t.Parallel()
	open, closed := Start(t, openSignup(nil)), Start(t, nil)
	tests := []struct {
		name   string
		s      *Server
		prompt string
		want   string // prefix of the Location
	}{
		{"create with login", open, "login create", account.PathRegister + "?next="},
		{"create with consent", open, "create consent", account.PathRegister + "?next="},
		{"create with none", open, "create none", "http://127.0.0.1:5555/callback?error=invalid_request"},
		{"closed: create with none is none", closed, "create none", "http://127.0.0.1:5555/callback?error=login_required"},
		{"closed: create with login is login", closed, "create login", "/consent/"},
	}
	for _, tc := range tests {
		clientID := nativeClient(t, tc.s, "")
		p := tc.s.NewBrowser(t).Get(tc.s.URL + authorizeQuery(clientID, func(q url.Values) { q.Set("prompt", tc.prompt) }))
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, tc.want) {
			t.Errorf("%s: %s, want a redirect to %s…", tc.name, p, tc.want)
		}
	}
}
