package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/policy"
	"github.com/mxauth/mxauth/internal/store"
)

// UsernameRules match usernames that sign-up refuses (config.Account.BannedUsernames, MAS's
// policy.data registration.banned_usernames): exactly, by substring, prefix or suffix, or by a
// regular expression (RE2) that must match the whole username. Operators still create such
// accounts with `mxauth user add`.
type UsernameRules struct {
	Literals   []string
	Substrings []string
	Prefixes   []string
	Suffixes   []string
	Regexes    []string
}

// usernameMatcher is UsernameRules compiled once, at start.
type usernameMatcher struct {
	rules   UsernameRules
	regexes []*regexp.Regexp
}

// compileUsernameRules compiles the regular expressions, each anchored at both ends so that
// "admin.*" bans "admin2" but not "sysadmin" (the config documents whole-name matching), and
// lower-cases the other rules, since usernames are lower case.
func compileUsernameRules(r UsernameRules) (usernameMatcher, error) {
	lower := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, s := range list {
			if s = strings.ToLower(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	m := usernameMatcher{rules: UsernameRules{
		Literals: lower(r.Literals), Substrings: lower(r.Substrings),
		Prefixes: lower(r.Prefixes), Suffixes: lower(r.Suffixes),
	}}
	for i, expr := range r.Regexes {
		re, err := regexp.Compile(`^(?:` + expr + `)$`)
		if err != nil {
			return usernameMatcher{}, fmt.Errorf("account: banned username regex %d %q: %w", i, expr, err)
		}
		m.regexes = append(m.regexes, re)
	}
	return m, nil
}

// banned reports whether a (lower-case) username matches a rule.
func (m usernameMatcher) banned(username string) bool {
	r := m.rules
	for _, s := range r.Literals {
		if username == s {
			return true
		}
	}
	for _, s := range r.Substrings {
		if strings.Contains(username, s) {
			return true
		}
	}
	for _, s := range r.Prefixes {
		if strings.HasPrefix(username, s) {
			return true
		}
	}
	for _, s := range r.Suffixes {
		if strings.HasSuffix(username, s) {
			return true
		}
	}
	for _, re := range m.regexes {
		if re.MatchString(username) {
			return true
		}
	}
	return false
}

// Message ids of the username checks.
const (
	msgRegisterUsernameMissing     = "RegisterUsernameMissing"
	msgRegisterUsernameUpperCase   = "RegisterUsernameUpperCase" // data: Suggestion
	msgRegisterUsernameCharacters  = "RegisterUsernameCharacters"
	msgRegisterUsernameAllDigits   = "RegisterUsernameAllDigits"
	msgRegisterUsernameTooLong     = "RegisterUsernameTooLong" // data: Max
	msgRegisterUsernameReserved    = "RegisterUsernameReserved"
	msgRegisterUsernameTaken       = "RegisterUsernameTaken"
	msgRegisterUsernameUncheckable = "RegisterUsernameUncheckable"
	msgRegisterUsernameAvailable   = "RegisterUsernameAvailable"
)

// errHomeserverUnavailable wraps a homeserver failure of the availability check: the page
// says to try again later (503), never a 500.
var errHomeserverUnavailable = errors.New("account: the homeserver could not check the username")

// usernameProblem checks a new username and returns the message for the field, or the zero
// Message when the name is free. The checks run from the cheapest to the dearest, each with
// its own message: the Matrix grammar (policy.ValidateUsername), the operator's banned
// names, the local accounts, then the homeserver (an application service may own a
// namespace; SYNAPSE.md §1.3 is_localpart_available). The error is for failures that are not
// the user's: a store failure, or errHomeserverUnavailable.
//
// Matrix localparts are lower case (CS API appendix "User Identifiers"); rather than
// lower-casing what the user typed behind their back, an upper-case name is refused with the
// lower-case one as a suggestion, so the user sees the ID they will have to type later.
func (s *Signup) usernameProblem(ctx context.Context, username string) (i18n.Message, error) {
	if username == "" {
		return i18n.Message{ID: msgRegisterUsernameMissing}, nil
	}
	if err := policy.ValidateUsername(username, s.ServerName); err != nil {
		lower := strings.ToLower(username)
		switch {
		case lower != username && policy.ValidateUsername(lower, s.ServerName) == nil:
			return i18n.Message{ID: msgRegisterUsernameUpperCase, Data: map[string]any{"Suggestion": lower}}, nil
		case len("@"+username+":"+s.ServerName) > policy.MaxUserIDLength:
			return i18n.Message{ID: msgRegisterUsernameTooLong, Data: map[string]any{"Max": policy.MaxUserIDLength}}, nil
		case strings.Trim(username, "0123456789") == "":
			return i18n.Message{ID: msgRegisterUsernameAllDigits}, nil
		}
		return i18n.Message{ID: msgRegisterUsernameCharacters}, nil
	}
	if s.banned.banned(username) {
		return i18n.Message{ID: msgRegisterUsernameReserved}, nil
	}
	_, err := s.Store.Users().GetByUsername(ctx, username)
	switch {
	case err == nil:
		return i18n.Message{ID: msgRegisterUsernameTaken}, nil
	case !errors.Is(err, store.ErrNotFound):
		return i18n.Message{}, err
	}
	free, err := s.Homeserver.LocalpartAvailable(ctx, username)
	switch {
	case err != nil:
		return i18n.Message{ID: msgRegisterUsernameUncheckable}, fmt.Errorf("%w: %w", errHomeserverUnavailable, err)
	case !free:
		return i18n.Message{ID: msgRegisterUsernameTaken}, nil
	}
	return i18n.Message{}, nil
}
