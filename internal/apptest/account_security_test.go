package apptest

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/ulid"
)

// TestAccountDeactivate: the page explains, asks for the password and the username; a wrong
// one changes nothing. Deactivation ends every session, blocks sign-in and keeps the
// username taken.
func TestAccountDeactivate(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := startAccount(t, b.Start, nil)
			token := f.device(t, "DEVICEDEAD")
			other := f.s.NewBrowser(t)
			signIn(t, f.s, other, "alice", testPassword)

			form := f.get(t, "/account/deactivate")
			wantBody(t, form, http.StatusOK, "Deactivation is permanent", `<strong class="username">alice</strong>`)
			tests := []struct {
				name, password, confirm string
				errors                  map[string]string
			}{
				{"nothing", "", "", map[string]string{
					template.FieldPassword: "Enter your password.", template.FieldConfirm: "Type your username, alice, to confirm."}},
				{"wrong username", testPassword, "bob", map[string]string{
					template.FieldConfirm: "Type your username, alice, to confirm."}},
				{"wrong password", "not " + testPassword, "alice", map[string]string{
					template.FieldPassword: "This password is wrong."}},
			}
			for _, tc := range tests {
				p := f.br.Submit(form, map[string]string{template.FieldPassword: tc.password, template.FieldConfirm: tc.confirm}, "")
				wantBody(t, p, http.StatusBadRequest, "<h1>Deactivate your account</h1>")
				for _, field := range []string{template.FieldPassword, template.FieldConfirm} {
					if got := messageNextTo(t, p.Body, field); got != tc.errors[field] {
						t.Errorf("%s: %s says %q, want %q", tc.name, field, got, tc.errors[field])
					}
				}
				if got, _ := inputValue(t, p.Body, template.FieldConfirm); got != tc.confirm {
					t.Errorf("%s: the confirmation field holds %q, want what was typed, %q", tc.name, got, tc.confirm)
				}
				if !active(t, f.s, token) {
					t.Fatalf("%s: the account was deactivated", tc.name)
				}
			}

			p := f.br.Submit(form, map[string]string{template.FieldPassword: testPassword, template.FieldConfirm: "@Alice:localhost"}, "")
			wantBody(t, p, http.StatusOK, "<h1>Your account is deactivated</h1>")
			if active(t, f.s, token) {
				t.Error("the device's token still works")
			}
			for _, br := range []*Browser{f.br, other} {
				wantRedirect(t, br.Get(f.s.URL+"/account/"), "/login?next=%2Faccount%2F")
			}
			fresh := f.s.NewBrowser(t)
			p = fresh.Submit(fresh.Get(f.s.URL+"/login"),
				map[string]string{template.FieldUsername: "alice", template.FieldPassword: testPassword}, "")
			wantBody(t, p, http.StatusUnauthorized, "Wrong username or password.")

			id, _ := ulid.New(time.Now(), rand.Reader)
			err := f.s.App.Store().Users().Create(context.Background(), model.User{ID: id, Username: "alice", CreatedAt: time.Now()})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("creating another alice: %v, want ErrConflict (the username stays taken)", err)
			}
		})
	}
}

// TestAccountPasswordChange: the policy and the current password are checked with messages
// next to the fields; a change makes the old password stop working and signs out the other
// browsers, not this one.
func TestAccountPasswordChange(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	token := f.device(t, "KEEPDEVICE")
	other := f.s.NewBrowser(t)
	signIn(t, f.s, other, "alice", testPassword)
	const newPassword = "a much better passphrase"
	form := f.get(t, "/account/password")
	wantBody(t, form, http.StatusOK, "every other browser signed in to these pages is signed out")
	tests := []struct {
		name, current, next, again string
		errors                     map[string]string
	}{
		{"nothing", "", "", "", map[string]string{
			template.FieldPassword: "Enter your password.", template.FieldNewPassword: "Enter a new password."}},
		{"too short", testPassword, "short", "short", map[string]string{
			template.FieldNewPassword: "This password is too short: use at least 8 characters."}},
		{"common", testPassword, "password123", "password123", map[string]string{
			template.FieldNewPassword: "This password is too common: people guess it easily. Choose another one."}},
		{"too long", testPassword, strings.Repeat("x", 5000), strings.Repeat("x", 5000), map[string]string{
			template.FieldNewPassword: "This password is too long."}},
		{"not the same twice", testPassword, newPassword, newPassword + "!", map[string]string{
			template.FieldNewPasswordAgain: "This is not the same as the new password."}},
		{"wrong current password", "not " + testPassword, newPassword, newPassword, map[string]string{
			template.FieldPassword: "This password is wrong."}},
	}
	for _, tc := range tests {
		p := f.br.Submit(form, map[string]string{
			template.FieldPassword: tc.current, template.FieldNewPassword: tc.next, template.FieldNewPasswordAgain: tc.again,
		}, "")
		wantBody(t, p, http.StatusBadRequest, "<h1>Change your password</h1>")
		for _, field := range []string{template.FieldPassword, template.FieldNewPassword, template.FieldNewPasswordAgain} {
			if got := messageNextTo(t, p.Body, field); got != tc.errors[field] {
				t.Errorf("%s: %s says %q, want %q", tc.name, field, got, tc.errors[field])
			}
			if _, shown := inputValue(t, p.Body, field); shown {
				t.Errorf("%s: the password field %s shows a value", tc.name, field)
			}
		}
	}
	p := f.br.Submit(form, map[string]string{
		template.FieldPassword: testPassword, template.FieldNewPassword: newPassword, template.FieldNewPasswordAgain: newPassword,
	}, "")
	wantRedirect(t, p, "/account/password?done=password")
	wantBody(t, f.br.Follow(p), http.StatusOK, "Your password was changed. Other browsers were signed out.")
	wantRedirect(t, other.Get(f.s.URL+"/account/"), "/login?next=%2Faccount%2F")
	wantBody(t, f.get(t, "/account/"), http.StatusOK, "<h1>Your account</h1>")
	if !active(t, f.s, token) {
		t.Error("a password change signed out a Matrix device")
	}
	br := f.s.NewBrowser(t)
	p = br.Submit(br.Get(f.s.URL+"/login"), map[string]string{template.FieldUsername: "alice", template.FieldPassword: testPassword}, "")
	wantBody(t, p, http.StatusUnauthorized, "Wrong username or password.")
	signIn(t, f.s, br, "alice", newPassword)
}

// TestAccountCrossSigningReset: approving records the approval for ten minutes, and the page
// counts down; afterwards it asks again.
func TestAccountCrossSigningReset(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	form := f.get(t, "/account/cross-signing-reset")
	wantBody(t, form, http.StatusOK, "replace your cross-signing keys", "Allow the reset")
	approvedAt := f.s.Clock.Now()
	p := f.br.Submit(form, nil, "")
	wantRedirect(t, p, "/account/cross-signing-reset")
	wantBody(t, f.br.Follow(p), http.StatusOK, "finish it within 10 minutes")
	u, err := f.s.App.Store().Users().GetByUsername(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	// The store keeps milliseconds.
	if want := approvedAt.Add(10 * time.Minute); u.CrossSigningResetAllowedUntil.Sub(want).Abs() >= time.Millisecond {
		t.Errorf("approval recorded until %v, want %v", u.CrossSigningResetAllowedUntil, want)
	}
	f.s.Clock.Advance(9*time.Minute + 30*time.Second)
	wantBody(t, f.get(t, "/account/cross-signing-reset"), http.StatusOK, "finish it within 1 minute.")
	f.s.Clock.Advance(time.Minute)
	wantBody(t, f.get(t, "/account/cross-signing-reset"), http.StatusOK, "Allow the reset")
}

// TestAccountBrowsers: the list marks this browser; "sign out" ends another one, "sign out all
// other browsers" the rest, and a session that is not the user's is left alone.
func TestAccountBrowsers(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	second, third := f.s.NewBrowser(t), f.s.NewBrowser(t)
	signIn(t, f.s, second, "alice", testPassword)
	bobUser := f.s.CreateUser(t, "bob", testPassword)
	bob := f.s.NewBrowser(t)
	signIn(t, f.s, bob, "bob", testPassword)

	p := f.get(t, "/account/browsers")
	wantBody(t, p, http.StatusOK, "· this browser", "127.0.0.1")
	if n := strings.Count(p.Body, `name="session"`); n != 1 {
		t.Fatalf("%d sign-out buttons for other browsers, want 1:\n%s", n, p.Body)
	}
	bobs, err := f.s.App.Store().BrowserSessions().ListActiveByUser(context.Background(), bobUser.ID, f.s.Clock.Now())
	if err != nil || len(bobs) != 1 {
		t.Fatalf("bob's browser sessions: %v %v", bobs, err)
	}
	wantRedirect(t, f.postForm(t, "/account/browsers/end", map[string][]string{"csrf": {csrfOf(t, p)}, "session": {bobs[0].ID}}, nil), "/account/browsers")
	wantBody(t, bob.Get(f.s.URL+"/account/"), http.StatusOK, "<h1>Your account</h1>")

	p = f.br.Submit(p, nil, "session="+otherSessionID(t, p.Body))
	wantRedirect(t, p, "/account/browsers?done=browser_ended")
	wantBody(t, f.br.Follow(p), http.StatusOK, "The browser was signed out.")
	wantRedirect(t, second.Get(f.s.URL+"/account/browsers"), "/login?next=%2Faccount%2Fbrowsers")

	signIn(t, f.s, second, "alice", testPassword)
	signIn(t, f.s, third, "alice", testPassword)
	p = f.get(t, "/account/browsers")
	if n := strings.Count(p.Body, `name="session"`); n != 2 {
		t.Fatalf("%d sign-out buttons for other browsers, want 2", n)
	}
	action, values := lastForm(t, p.Body)
	if action != "/account/browsers/end-others" {
		t.Fatalf("the last form posts to %s", action)
	}
	p = f.postForm(t, action, values, nil)
	wantRedirect(t, p, "/account/browsers?count=2&done=others_ended")
	wantBody(t, f.br.Follow(p), http.StatusOK, "2 other browsers were signed out.")
	for _, br := range []*Browser{second, third} {
		wantRedirect(t, br.Get(f.s.URL+"/account/"), "/login?next=%2Faccount%2F")
	}
	wantBody(t, bob.Get(f.s.URL+"/account/"), http.StatusOK, "<h1>Your account</h1>")
	wantBody(t, f.get(t, "/account/"), http.StatusOK, "<h1>Your account</h1>")
}

// TestAccountProfile: a new display name is saved; a bad one comes back with a message next
// to the field and what was typed.
func TestAccountProfile(t *testing.T) {
	t.Parallel()
	f := startAccount(t, Start, nil)
	form := f.get(t, "/account/profile")
	wantBody(t, form, http.StatusOK, "<code>@alice:localhost</code>", "at most 256 characters")
	tests := []struct{ typed, want string }{
		{"   ", "Enter a display name."},
		{strings.Repeat("ä", 257), "This name is too long: use at most 256 characters."},
		{"Alice\nSmith", "The name contains characters that cannot be shown, such as line breaks."},
		{"Al\x00ice", "The name contains characters that cannot be shown, such as line breaks."},
	}
	for _, tc := range tests {
		p := f.br.Submit(form, map[string]string{template.FieldDisplayName: tc.typed}, "")
		wantBody(t, p, http.StatusBadRequest, "<h1>Profile</h1>")
		if got := messageNextTo(t, p.Body, template.FieldDisplayName); got != tc.want {
			t.Errorf("%q: the field says %q, want %q", tc.typed, got, tc.want)
		}
		if got, _ := inputValue(t, p.Body, template.FieldDisplayName); got != strings.ReplaceAll(tc.typed, "\x00", "\uFFFD") && strings.TrimSpace(tc.typed) != "" {
			t.Errorf("%q: the field holds %q", tc.typed, got)
		}
	}
	p := f.br.Submit(form, map[string]string{template.FieldDisplayName: "  Alice <Liddell> "}, "")
	wantRedirect(t, p, "/account/profile?done=saved")
	p = f.br.Follow(p)
	wantBody(t, p, http.StatusOK, "Your display name was saved.", `value="Alice &lt;Liddell&gt;"`)
	wantBody(t, f.get(t, "/account/"), http.StatusOK, "<dd>Alice &lt;Liddell&gt;</dd>")
	u, err := f.s.App.Store().Users().GetByUsername(context.Background(), "alice")
	if err != nil || u.DisplayName != "Alice <Liddell>" {
		t.Errorf("stored display name %q (%v)", u.DisplayName, err)
	}
}

// otherSessionID is the browser session ID of the first "sign out" button for another browser.
func otherSessionID(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `name="session" value="`)
	if !ok {
		t.Fatalf("no sign-out button for another browser:\n%s", body)
	}
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

// lastForm is the action and hidden fields of the page's last form.
func lastForm(t *testing.T, body string) (string, url.Values) {
	t.Helper()
	i := strings.LastIndex(body, "<form")
	if i < 0 {
		t.Fatalf("no form on the page:\n%s", body)
	}
	return parseForm(t, body[i:], "")
}
