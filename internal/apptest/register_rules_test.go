package apptest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// signupCase is one submission of the sign-up form and what must come of it: a new account
// (status 303), or a status with a message next to one field.
type signupCase struct {
	name    string
	fields  map[string]string
	status  int
	field   string // the field with the message; "" for a success
	message string
}

// runSignupCases submits each case in a fresh browser; a success must create the account.
func runSignupCases(t *testing.T, s *Server, cases []signupCase) {
	t.Helper()
	for _, tc := range cases {
		br := s.NewBrowser(t)
		p := br.Submit(openSignupPage(t, s, br), tc.fields, "")
		if p.Status != tc.status {
			t.Errorf("%s: status %d, want %d\n%s", tc.name, p.Status, tc.status, p)
			continue
		}
		if tc.field == "" {
			username := strings.TrimSpace(tc.fields[template.FieldUsername])
			if _, err := s.App.Store().Users().GetByUsername(context.Background(), username); err != nil {
				t.Errorf("%s: no account %q after sign-up: %v", tc.name, username, err)
			}
			continue
		}
		if got := messageNextTo(t, p.Body, tc.field); got != tc.message {
			t.Errorf("%s: message next to %s = %q, want %q", tc.name, tc.field, got, tc.message)
		}
	}
}

// TestSignupUsernameRules checks every username rule, in order, each with its message.
func TestSignupUsernameRules(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, openSignup(func(c *config.Config) {
				c.Account.BannedUsernames = config.UsernameRules{
					Literals: []string{"Admin"}, Substrings: []string{"matrix"}, Prefixes: []string{"bot-"},
					Suffixes: []string{"-official"}, Regexes: []string{`support[0-9]*`},
				}
			}))
			s.CreateUser(t, "taken", testPassword)
			// localhost is 9 characters: "@" + 244 + ":" + 9 = 255, the most a user ID may have.
			longest, tooLong := strings.Repeat("a", 244), strings.Repeat("a", 245)
			user := func(name string) map[string]string { return signupFields(name, nil) }
			field, bad := template.FieldUsername, http.StatusBadRequest
			runSignupCases(t, s, []signupCase{
				{"empty", user(""), bad, field, "Choose a username."},
				{"only spaces", user("   "), bad, field, "Choose a username."},
				{"upper case", user("Alice"), bad, field, "Use lower-case letters only, for example alice."},
				{"upper case and a space", user("Al ice"), bad, field, "A username may contain only lower-case letters a–z, digits and . _ = - / +"},
				{"a colon", user("al:ice"), bad, field, "A username may contain only lower-case letters a–z, digits and . _ = - / +"},
				{"non-ASCII", user("jörg"), bad, field, "A username may contain only lower-case letters a–z, digits and . _ = - / +"},
				{"digits only", user("12345"), bad, field, "A username cannot be digits only."},
				{"too long", user(tooLong), bad, field, "This username is too long: a whole Matrix ID may have at most 255 characters."},
				{"banned literal, any case", user("admin"), bad, field, "This username is reserved. Choose another one."},
				{"banned substring", user("mymatrixname"), bad, field, "This username is reserved. Choose another one."},
				{"banned prefix", user("bot-x"), bad, field, "This username is reserved. Choose another one."},
				{"banned suffix", user("x-official"), bad, field, "This username is reserved. Choose another one."},
				{"banned regex", user("support42"), bad, field, "This username is reserved. Choose another one."},
				{"taken here", user("taken"), bad, field, "This username is taken. Choose another one."},
				// The regex must match the whole name, so it does not ban names that only contain a match.
				{"regex is anchored", user("nosupport"), http.StatusSeeOther, "", ""},
				{"longest", user(longest), http.StatusSeeOther, "", ""},
				{"every allowed character", user("a.b_c=d-e/f+9"), http.StatusSeeOther, "", ""},
				{"spaces around are dropped", user("  spaced  "), http.StatusSeeOther, "", ""},
			})
		})
	}
}

// TestSignupAsksTheHomeserver: a name the homeserver has (a user, an application service's
// namespace) is taken; a homeserver that cannot answer gets a try-again message and 503,
// never a 500. A new account is provisioned on the homeserver.
func TestSignupAsksTheHomeserver(t *testing.T) {
	t.Parallel()
	s := WithSynapse(t, Start, openSignup(nil))
	s.Synapse.AddUser("synapseonly")
	s.Synapse.MarkExclusive("bridged")
	field := template.FieldUsername
	runSignupCases(t, s, []signupCase{
		{"user on the homeserver", signupFields("synapseonly", nil), http.StatusBadRequest, field, "This username is taken. Choose another one."},
		{"application service namespace", signupFields("bridged", nil), http.StatusBadRequest, field, "This username is taken. Choose another one."},
		{"free", signupFields("fresh", nil), http.StatusSeeOther, "", ""},
	})
	if _, ok := s.Synapse.User("fresh"); !ok {
		t.Error("the new account was not provisioned on the homeserver")
	}

	s.Synapse.InjectFault(synapsetest.Fault{Status: http.StatusBadGateway})
	br := s.NewBrowser(t)
	form := openSignupPage(t, s, br)
	p := br.Submit(form, signupFields("later", nil), "")
	if p.Status != http.StatusServiceUnavailable ||
		messageNextTo(t, p.Body, field) != "The server could not check this username just now. Try again in a moment." {
		t.Errorf("sign-up while the homeserver fails: %s", p)
	}
	if p := submitTo(t, br, form, account.PathRegisterCheck, map[string]string{field: "later"}); p.Status != http.StatusServiceUnavailable {
		t.Errorf("check while the homeserver fails: %s", p)
	}
	if p := br.Get(s.URL + account.PathRegisterAvailable + "?username=later"); p.Status != http.StatusServiceUnavailable ||
		!strings.Contains(p.Body, `"available":false`) {
		t.Errorf("availability while the homeserver fails: %s", p)
	}
	s.Synapse.ClearFaults()
	if p := br.Submit(form, signupFields("later", nil), ""); p.Status != http.StatusSeeOther {
		t.Errorf("sign-up once the homeserver is back: %s", p)
	}
}

// TestSignupPasswordRules checks the password policy and the repeated password.
func TestSignupPasswordRules(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(func(c *config.Config) { c.Account.PasswordMinLength = 10 }))
	pw := func(name, password, confirm string) map[string]string {
		return signupFields(name, map[string]string{template.FieldPassword: password, template.FieldPasswordConfirm: confirm})
	}
	bad, field, confirm := http.StatusBadRequest, template.FieldPassword, template.FieldPasswordConfirm
	runSignupCases(t, s, []signupCase{
		{"missing", pw("p1", "", ""), bad, field, "Choose a password."},
		{"short", pw("p2", "abcdefghi", "abcdefghi"), bad, field, "Use at least 10 characters."},
		{"common", pw("p3", "1234567890", "1234567890"), bad, field, "This is one of the most common passwords, which attackers try first. Choose another one."},
		{"common in capitals", pw("p4", "BASKETBALL", "BASKETBALL"), bad, field, "This is one of the most common passwords, which attackers try first. Choose another one."},
		{"the username", pw("kettle-plum-9", "Kettle-Plum-9", "Kettle-Plum-9"), bad, field, "Your password must not be your username."},
		{"not repeated", pw("p5", signupPassword, ""), bad, confirm, "Type the password again."},
		{"repeated wrong", pw("p6", signupPassword, strings.ToUpper(signupPassword)), bad, confirm, "The passwords differ. Type the same password twice."},
		{"ten characters", pw("p7", "zq8#kLm!wX", "zq8#kLm!wX"), http.StatusSeeOther, "", ""},
	})
	// Common passwords are allowed when the operator turns the list off.
	s2 := Start(t, openSignup(func(c *config.Config) { c.Account.RejectCommonPasswords = false }))
	runSignupCases(t, s2, []signupCase{{"common allowed", pw("p8", "password", "password"), http.StatusSeeOther, "", ""}})
}

// TestSignupOtherFields checks the display name and the terms of service.
func TestSignupOtherFields(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(func(c *config.Config) { c.Branding.TOSURI = "https://example.org/terms" }))
	tos := map[string]string{template.FieldTOS: template.TOSAccepted}
	with := func(name string, extra map[string]string) map[string]string {
		f := signupFields(name, tos)
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	bad := http.StatusBadRequest
	runSignupCases(t, s, []signupCase{
		{"terms not accepted", signupFields("d1", nil), bad, template.FieldTOS, "Accept the terms of service to create an account."},
		{"terms with another value", signupFields("d2", map[string]string{template.FieldTOS: "yes"}), bad, template.FieldTOS, "Accept the terms of service to create an account."},
		{"display name too long", with("d3", map[string]string{template.FieldDisplayName: strings.Repeat("ß", 257)}), bad, template.FieldDisplayName, "A display name may have at most 256 characters."},
		{"display name with a line break", with("d4", map[string]string{template.FieldDisplayName: "two\nlines"}), bad, template.FieldDisplayName, "A display name cannot contain line breaks or other control characters."},
		{"display name not UTF-8", with("d5", map[string]string{template.FieldDisplayName: "\xff\xfe"}), bad, template.FieldDisplayName, "A display name cannot contain line breaks or other control characters."},
		{"longest display name", with("d6", map[string]string{template.FieldDisplayName: strings.Repeat("ß", 256)}), http.StatusSeeOther, "", ""},
		{"terms accepted", with("d7", nil), http.StatusSeeOther, "", ""},
	})
}

// TestSignupWithRegistrationToken: with account.registration token, sign-up needs a token
// that is well formed, exists, and is usable; a valid one is spent.
func TestSignupWithRegistrationToken(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, func(c *config.Config) { c.Account.Registration = config.RegistrationToken })
			now := s.Clock.Now()
			valid := addRegistrationToken(t, s, func(rt *model.RegistrationToken) { rt.UsageLimit = 2 })
			usedUp := addRegistrationToken(t, s, func(rt *model.RegistrationToken) { rt.UsageLimit, rt.TimesUsed = 3, 3 })
			expired := addRegistrationToken(t, s, func(rt *model.RegistrationToken) { rt.ExpiresAt = now.Add(-time.Second) })
			revoked := addRegistrationToken(t, s, func(rt *model.RegistrationToken) { rt.RevokedAt = now.Add(-time.Minute) })
			unknown := strings.Replace(valid, valid[4:8], "zzzz", 1) // well formed? the checksum fails
			tok := func(name, value string) map[string]string {
				return signupFields(name, map[string]string{template.FieldRegistrationToken: value})
			}
			field, bad := template.FieldRegistrationToken, http.StatusBadRequest
			runSignupCases(t, s, []signupCase{
				{"missing", tok("t1", ""), bad, field, "Enter your registration token."},
				{"garbage", tok("t2", "letmein"), bad, field, "This is not a valid registration token. Check it for typos."},
				{"mistyped", tok("t3", unknown), bad, field, "This is not a valid registration token. Check it for typos."},
				{"never issued", tok("t4", unissuedRegistrationToken(t)), bad, field, "This is not a valid registration token. Check it for typos."},
				{"used up", tok("t5", usedUp), bad, field, "This registration token has expired, was revoked or has been used up."},
				{"expired", tok("t6", expired), bad, field, "This registration token has expired, was revoked or has been used up."},
				{"revoked", tok("t7", revoked), bad, field, "This registration token has expired, was revoked or has been used up."},
				{"valid", tok("t8", valid), http.StatusSeeOther, "", ""},
				{"valid with spaces around", tok("t9", " "+valid+" "), http.StatusSeeOther, "", ""},
				{"spent by the two before", tok("t10", valid), bad, field, "This registration token has expired, was revoked or has been used up."},
			})
			rts, err := s.App.Store().RegistrationTokens().List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, rt := range rts {
				if rt.UsageLimit == 2 && (rt.TimesUsed != 2 || rt.LastUsedAt.IsZero()) {
					t.Errorf("the valid token after two sign-ups: %+v", rt)
				}
			}
		})
	}
}
