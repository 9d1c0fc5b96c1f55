package apptest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// FuzzSignupForm posts random field values to the sign-up form, the check button's
// endpoint and the availability endpoint, on a server that asks for everything (a
// registration token, the terms) and on an open one: no value may get a 5xx. The CSRF token
// is valid, so every value reaches the field checks.
//
//	go test ./internal/apptest -run '^$' -fuzz FuzzSignupForm -fuzztime 1m
func FuzzSignupForm(f *testing.F) {
	strict := Start(f, func(c *config.Config) {
		c.Account.Registration = config.RegistrationToken
		c.Branding.TOSURI = "https://example.org/terms"
	})
	open := Start(f, openSignup(nil))
	type target struct {
		s    *Server
		br   *Browser
		csrf string
	}
	var targets []target
	for _, s := range []*Server{strict, open} {
		br := s.NewBrowser(f)
		_, hidden := parseForm(f, br.Get(s.URL+account.PathRegister).Body, "")
		targets = append(targets, target{s, br, hidden.Get(template.FieldCSRF)})
	}

	f.Add(false, "alice", "Alice", signupPassword, signupPassword, "", "accept", "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE")
	f.Add(true, "Alice", "", "short", "shorter", "mrt_garbage", "", "//evil.example/")
	f.Add(false, "", "\x00\xff", "", "", "", "yes", "https://evil.example/")
	f.Add(true, "@alice:localhost", "a\nb", "password", "password", "mrt_0000000000000000000000000000_000000", "accept", "/\\evil")
	f.Add(false, "ab%2Fcd", "\u202ertl", "\u00e9\u0301", "\u00e9\u0301", " ", "accept\x00", "/register?next=/register")
	f.Add(true, "a.b_c=d-e/f+9", string(make([]byte, 300)), signupPassword, signupPassword, "\t", "accept", "")
	f.Fuzz(func(t *testing.T, openServer bool, username, displayName, pw, confirm, regToken, tos, next string) {
		tg := targets[0]
		if openServer {
			tg = targets[1]
		}
		br := &Browser{t: t, Client: tg.br.Client} // the same cookies, failing this t
		// Refill the per-address buckets: the fuzzer sends far more than a person would.
		tg.s.Clock.Advance(time.Hour)
		values := url.Values{
			template.FieldCSRF: {tg.csrf}, template.FieldNext: {next}, template.FieldUsername: {username},
			template.FieldDisplayName: {displayName}, template.FieldPassword: {pw},
			template.FieldPasswordConfirm: {confirm}, template.FieldRegistrationToken: {regToken}, template.FieldTOS: {tos},
		}
		for _, path := range []string{account.PathRegisterCheck, account.PathRegister} {
			if p := postFrom(t, br, tg.s.URL+path, values, nil); p.Status >= http.StatusInternalServerError {
				t.Fatalf("POST %s with %q: %s", path, values, p)
			}
		}
		if p := br.Get(tg.s.URL + account.PathRegisterAvailable + "?" + url.Values{"username": {username}}.Encode()); p.Status >= http.StatusInternalServerError {
			t.Fatalf("availability of %q: %s", username, p)
		}
	})
}
