package config

import (
	"fmt"
	"net/url"
	"regexp"
)

// Account governs user sign-up and what users may change on their account pages.
type Account struct {
	// Registration is "open" (anyone may sign up), "token" (sign-up needs a registration token,
	// see `mxauth registration-token`) or "closed" (accounts are made by operators only). When
	// closed, the discovery document does not offer prompt=create.
	Registration string `yaml:"registration"`
	// BannedUsernames refuses sign-ups whose username matches any of these rules; operators
	// still create such accounts with `mxauth user add`.
	BannedUsernames UsernameRules `yaml:"banned_usernames"`
	// DisplayNameChangeAllowed, PasswordChangeAllowed and DeactivationAllowed switch the
	// matching account pages on or off.
	DisplayNameChangeAllowed bool `yaml:"display_name_change_allowed"`
	PasswordChangeAllowed    bool `yaml:"password_change_allowed"`
	DeactivationAllowed      bool `yaml:"deactivation_allowed"`
	// PasswordMinLength is the shortest password sign-up and password change accept.
	PasswordMinLength int `yaml:"password_min_length"`
	// RejectCommonPasswords refuses passwords found in the bundled list of common passwords.
	RejectCommonPasswords bool `yaml:"reject_common_passwords"`
}

// Registration modes of Account.Registration.
const (
	RegistrationOpen   = "open"
	RegistrationToken  = "token"
	RegistrationClosed = "closed"
)

// RegistrationEnabled reports whether people may sign up at all (with or without a token).
func (a Account) RegistrationEnabled() bool {
	return a.Registration == RegistrationOpen || a.Registration == RegistrationToken
}

// UsernameRules matches usernames: exactly, by substring, prefix, suffix or regular expression
// (RE2 syntax, matched against the whole lower-case username).
type UsernameRules struct {
	Literals   []string `yaml:"literals"`
	Substrings []string `yaml:"substrings"`
	Prefixes   []string `yaml:"prefixes"`
	Suffixes   []string `yaml:"suffixes"`
	Regexes    []string `yaml:"regexes"`
}

// Branding is what the operator shows of their service on every page.
type Branding struct {
	// ServiceName is shown in the page header and title; empty: the homeserver's name.
	ServiceName string `yaml:"service_name"`
	// LogoURI is an https image shown in the header.
	LogoURI string `yaml:"logo_uri"`
	// TOSURI and PolicyURI are linked in the footer; with TOSURI set, sign-up asks the user to
	// accept the terms.
	TOSURI    string `yaml:"tos_uri"`
	PolicyURI string `yaml:"policy_uri"`
}

// RateLimiting holds the token buckets of the people-facing forms. The defaults are MAS's
// (SYNAPSE.md §2.6).
type RateLimiting struct {
	Login LoginRateLimits `yaml:"login"`
	// Registration limits sign-ups per client IP address.
	Registration RateLimit `yaml:"registration"`
}

// LoginRateLimits limits sign-in attempts per client IP address and per account; the
// per-account buckets are kept in the database, so they hold across replicas.
type LoginRateLimits struct {
	PerIP      RateLimit `yaml:"per_ip"`
	PerAccount RateLimit `yaml:"per_account"`
}

func defaultAccount() Account {
	return Account{
		Registration:             RegistrationClosed,
		DisplayNameChangeAllowed: true,
		PasswordChangeAllowed:    true,
		DeactivationAllowed:      true,
		PasswordMinLength:        8,
		RejectCommonPasswords:    true,
	}
}

func defaultRateLimiting() RateLimiting {
	return RateLimiting{
		Login: LoginRateLimits{
			PerIP:      RateLimit{Burst: 3, PerSecond: 0.05},
			PerAccount: RateLimit{Burst: 1800, PerSecond: 0.5},
		},
		Registration: RateLimit{Burst: 3, PerSecond: 0.0008},
	}
}

func (v *validator) account(a Account) {
	switch a.Registration {
	case RegistrationOpen, RegistrationToken, RegistrationClosed:
	default:
		v.add("account.registration", "%q is not one of open, token, closed", a.Registration)
	}
	if a.PasswordMinLength < 1 || a.PasswordMinLength > 256 {
		v.add("account.password_min_length", "must be between 1 and 256")
	}
	for i, re := range a.BannedUsernames.Regexes {
		if _, err := regexp.Compile(re); err != nil {
			v.add(fmt.Sprintf("account.banned_usernames.regexes[%d]", i), "is not a valid regular expression: %v", err)
		}
	}
}

func (v *validator) branding(b Branding) {
	v.optionalURL("branding.logo_uri", b.LogoURI, true)
	v.optionalURL("branding.tos_uri", b.TOSURI, false)
	v.optionalURL("branding.policy_uri", b.PolicyURI, false)
}

// optionalURL checks an operator-supplied link: empty, or an absolute http(s) URL (https only
// when httpsOnly, e.g. an image the pages' Content-Security-Policy must allow).
func (v *validator) optionalURL(key, s string, httpsOnly bool) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "":
		v.add(key, "%q is not an absolute URL", s)
	case httpsOnly && u.Scheme != "https":
		v.add(key, "must be an https URL")
	case u.Scheme != "https" && u.Scheme != "http":
		v.add(key, "must be an http or https URL")
	}
}

func (v *validator) rateLimiting(r RateLimiting) {
	v.rateLimit("rate_limiting.login.per_ip", r.Login.PerIP)
	v.rateLimit("rate_limiting.login.per_account", r.Login.PerAccount)
	v.rateLimit("rate_limiting.registration", r.Registration)
}

func (v *validator) matrix(m Matrix) {
	if !validServerName(m.Homeserver) {
		v.add("matrix.homeserver", "%q is not a Matrix server name (a host name or IP literal, optionally with :port)", m.Homeserver)
	}
	if m.Secret != "" && m.SecretFile != "" {
		v.add("matrix.secret", "set either matrix.secret or matrix.secret_file, not both")
	}
	if m.Secret != "" && len(m.Secret) < 16 {
		v.add("matrix.secret", "is too short: use at least 16 random characters (`mxauth config generate` makes one)")
	}
	v.positive("matrix.timeout", int64(m.Timeout))
	switch m.Kind {
	case MatrixKindNone:
	case MatrixKindSynapse:
		if m.Secret == "" && m.SecretFile == "" {
			v.add("matrix.secret", "is required with kind synapse (Synapse's matrix_authentication_service.secret)")
		}
		u, err := url.Parse(m.Endpoint)
		if m.Endpoint == "" || err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			v.add("matrix.endpoint", "must be Synapse's base URL (e.g. http://localhost:8008/) with kind synapse")
		}
	default:
		v.add("matrix.kind", "%q is not one of none, synapse", m.Kind)
	}
}
