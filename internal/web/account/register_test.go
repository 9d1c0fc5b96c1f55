package account

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/password"
)

func TestUsernameRules(t *testing.T) {
	t.Parallel()
	m, err := compileUsernameRules(UsernameRules{
		Literals: []string{"Admin", ""}, Substrings: []string{"matrix"}, Prefixes: []string{"_"},
		Suffixes: []string{"-bot"}, Regexes: []string{`support\d*`, `(a|b)+`},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		username string
		want     bool
	}{
		{"admin", true}, // the rule's capital does not matter: usernames are lower case
		{"admins", false},
		{"", false}, // an empty literal bans nothing (and an empty name is refused earlier)
		{"mymatrixroom", true},
		{"_private", true},
		{"x_", false},
		{"news-bot", true},
		{"bot-news", false},
		{"support", true},
		{"support42", true},
		{"nosupport42", false}, // regexes match the whole name
		{"support42x", false},
		{"abab", true}, // the anchors hold around an alternation too
		{"abc", false},
	}
	for _, tc := range tests {
		if got := m.banned(tc.username); got != tc.want {
			t.Errorf("banned(%q) = %v, want %v", tc.username, got, tc.want)
		}
	}
	if _, err := compileUsernameRules(UsernameRules{Regexes: []string{"("}}); err == nil {
		t.Error("a broken regex compiled")
	}
	if none, _ := compileUsernameRules(UsernameRules{}); none.banned("anything") {
		t.Error("no rules banned a name")
	}
}

func TestDisplayNameProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want string // message id; "" when fine
	}{
		{"", ""},
		{"Alice Liddell", ""},
		{"  spaced  ", ""},
		{"Zoë 🦊 李", ""},
		{strings.Repeat("界", maxDisplayNameLength), ""},
		{strings.Repeat("界", maxDisplayNameLength+1), msgRegisterDisplayNameTooLong},
		{" " + strings.Repeat("x", maxDisplayNameLength) + " ", ""}, // the spaces around are dropped
		{"two\nlines", msgRegisterDisplayNameInvalid},
		{"tab\there", msgRegisterDisplayNameInvalid},
		{"nul\x00", msgRegisterDisplayNameInvalid},
		{"next line\u0085", msgRegisterDisplayNameInvalid},
		{"\xff", msgRegisterDisplayNameInvalid},
	}
	for _, tc := range tests {
		if got := displayNameProblem(tc.name); got.ID != tc.want {
			t.Errorf("displayNameProblem(%q) = %q, want %q", tc.name, got.ID, tc.want)
		}
	}
}

func TestPasswordProblem(t *testing.T) {
	t.Parallel()
	s := &Signup{Options: SignupOptions{Password: password.Policy{MinLength: 10, RejectCommon: true}}}
	tests := []struct {
		pw, username string
		want         i18n.Message
	}{
		{"", "alice", i18n.Message{ID: msgRegisterPasswordMissing}},
		{"short", "alice", i18n.Message{ID: msgRegisterPasswordTooShort, Data: map[string]any{"Count": 10}}},
		{strings.Repeat("x", password.MaxPasswordBytes+1), "alice", i18n.Message{ID: msgRegisterPasswordTooLong}},
		{"alice-in-wonderland", "Alice-in-Wonderland", i18n.Message{ID: msgRegisterPasswordIsUsername}},
		{"1234567890", "alice", i18n.Message{ID: msgRegisterPasswordCommon}},
		{"plum-kettle-orbit", "alice", i18n.Message{}},
	}
	for _, tc := range tests {
		got, err := s.passwordProblem(tc.pw, tc.username)
		if err != nil {
			t.Fatalf("passwordProblem(%.20q): %v", tc.pw, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("passwordProblem(%.20q) (-want +got):\n%s", tc.pw, diff)
		}
	}
}

// TestRegisterMessagesExist checks that every message id the sign-up handlers hand to the
// pages is in the catalogues, with the data its placeholders need.
func TestRegisterMessagesExist(t *testing.T) {
	t.Parallel()
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	messages := []i18n.Message{
		{ID: msgRegisterUsernameMissing}, {ID: msgRegisterUsernameUpperCase, Data: map[string]any{"Suggestion": "x"}},
		{ID: msgRegisterUsernameCharacters}, {ID: msgRegisterUsernameAllDigits},
		{ID: msgRegisterUsernameTooLong, Data: map[string]any{"Max": 255}}, {ID: msgRegisterUsernameReserved},
		{ID: msgRegisterUsernameTaken}, {ID: msgRegisterUsernameUncheckable}, {ID: msgRegisterUsernameAvailable},
		{ID: msgRegisterDisplayNameTooLong, Data: map[string]any{"Max": 256}}, {ID: msgRegisterDisplayNameInvalid},
		{ID: msgRegisterPasswordMissing}, {ID: msgRegisterPasswordTooShort, Data: map[string]any{"Count": 8}},
		{ID: msgRegisterPasswordTooLong}, {ID: msgRegisterPasswordIsUsername}, {ID: msgRegisterPasswordCommon},
		{ID: msgRegisterPasswordConfirmMissing}, {ID: msgRegisterPasswordMismatch},
		{ID: msgRegisterTokenMissing}, {ID: msgRegisterTokenInvalid}, {ID: msgRegisterTokenUnusable},
		{ID: msgRegisterTOSMissing}, {ID: msgRegisterClosedTitle}, {ID: msgRegisterClosedMessage},
	}
	for _, lang := range b.Languages() {
		for _, m := range messages {
			if text, err := lang.Text(m); err != nil || text == "" || strings.Contains(text, "<no value>") {
				t.Errorf("%s %s: %q, %v", lang.Tag(), m.ID, text, err)
			}
		}
	}
}
