package apptest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/golden"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
)

// signInAttempt submits the sign-in form of a fresh page in br.
func signInAttempt(t *testing.T, s *Server, br *Browser, username, password string) Page {
	t.Helper()
	p := br.Get(s.URL + account.PathLogin)
	if p.Status != http.StatusOK {
		t.Fatalf("sign-in page: %s", p)
	}
	return br.Submit(p, map[string]string{template.FieldUsername: username, template.FieldPassword: password}, "")
}

// want429 checks a limited answer: status 429, Retry-After in whole seconds, and the page
// saying the same wait in words.
func want429(t *testing.T, p Page, resp http.Header, retryAfter, words string) {
	t.Helper()
	if p.Status != http.StatusTooManyRequests || resp.Get("Retry-After") != retryAfter || !strings.Contains(p.Body, words) {
		t.Errorf("want 429 with Retry-After %s and %q; got %d, Retry-After %q\n%s", retryAfter, words, p.Status, resp.Get("Retry-After"), p)
	}
}

// submitWithHeaders posts the first form of p with fields, as Browser.Submit does, and
// returns the answer's headers too.
func submitWithHeaders(t *testing.T, br *Browser, p Page, fields map[string]string) (Page, http.Header) {
	t.Helper()
	action, values := parseForm(t, p.Body, "")
	for k, v := range fields {
		values.Set(k, v)
	}
	target, err := p.URL.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := br.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return br.page(resp), resp.Header
}

// TestLoginRateLimitPerIP: MAS's default, 3 attempts from an address and then one per 20
// seconds, refuses the fourth attempt at once, with the right password too, before any
// password is checked; the bucket refills with time.
func TestLoginRateLimitPerIP(t *testing.T) {
	t.Parallel()
	s := Start(t, func(c *config.Config) { c.RateLimiting.Login.PerIP = config.RateLimit{Burst: 3, PerSecond: 0.05} })
	s.CreateUser(t, "alice", testPassword)
	br := s.NewBrowser(t)
	for i := range 3 {
		if p := signInAttempt(t, s, br, "alice", "wrong"); p.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %s", i+1, p)
		}
	}
	form := br.Get(s.URL + account.PathLogin)
	p, h := submitWithHeaders(t, br, form, map[string]string{template.FieldUsername: "alice", template.FieldPassword: testPassword})
	want429(t, p, h, "20", "Try again in 20 seconds.")
	golden.Assert(t, "ratelimit_429_en.html", []byte(scrubSignupPage(p.Body)))
	// An unknown user from the same address is limited too: the limit is the address's.
	if p := signInAttempt(t, s, br, "nobody", "wrong"); p.Status != http.StatusTooManyRequests {
		t.Errorf("unknown user from a limited address: %s", p)
	}
	// A form with an empty field is refused before any limit: it costs nothing.
	if p := signInAttempt(t, s, br, "alice", ""); p.Status != http.StatusBadRequest {
		t.Errorf("empty password from a limited address: %s", p)
	}
	s.Clock.Advance(20 * time.Second)
	if p := signInAttempt(t, s, br, "alice", testPassword); p.Status != http.StatusSeeOther {
		t.Errorf("sign-in after the bucket refilled: %s", p)
	}
}

// TestLoginRateLimitPerAccountAcrossReplicas: the per-account bucket is in the database, so
// two app instances on one database share it; other accounts are not affected.
func TestLoginRateLimitPerAccountAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			limits := func(c *config.Config) {
				c.RateLimiting.Login.PerAccount = config.RateLimit{Burst: 2, PerSecond: 0.001}
			}
			s1 := b.Start(t, limits)
			s2 := b.Start(t, func(c *config.Config) {
				limits(c)
				// The same database and data directory (its secret decrypts the stored keys);
				// on PostgreSQL the backend picks the same schema anyway.
				c.Database.URL, c.DataDir = s1.Config.Database.URL, s1.Config.DataDir
			})
			// Each replica has its own fake clock, started when it was; on a slow machine they
			// are seconds apart, and the shared bucket would refill between them.
			s2.Clock.Set(s1.Clock.Now())
			s1.CreateUser(t, "alice", testPassword)
			s1.CreateUser(t, "bob", testPassword)
			br1, br2 := s1.NewBrowser(t), s2.NewBrowser(t)
			if p := signInAttempt(t, s1, br1, "alice", "wrong"); p.Status != http.StatusUnauthorized {
				t.Fatalf("first attempt on replica 1: %s", p)
			}
			if p := signInAttempt(t, s2, br2, "alice", "wrong"); p.Status != http.StatusUnauthorized {
				t.Fatalf("second attempt on replica 2: %s", p)
			}
			for _, r := range []struct {
				s  *Server
				br *Browser
			}{{s1, br1}, {s2, br2}} {
				form := r.br.Get(r.s.URL + account.PathLogin)
				p, h := submitWithHeaders(t, r.br, form, map[string]string{template.FieldUsername: "alice", template.FieldPassword: testPassword})
				// One token per 1000 seconds: 17 minutes, rounded up.
				want429(t, p, h, "1000", "Try again in 17 minutes.")
			}
			if p := signInAttempt(t, s2, br2, "bob", testPassword); p.Status != http.StatusSeeOther {
				t.Errorf("another account on replica 2: %s", p)
			}
		})
	}
}

// TestRegistrationRateLimitPerIP: MAS's registration limit counts the accounts an address
// creates; a refused form (a typo) does not count.
func TestRegistrationRateLimitPerIP(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(func(c *config.Config) {
		c.RateLimiting.Registration = config.RateLimit{Burst: 2, PerSecond: 0.0008}
	}))
	br := s.NewBrowser(t)
	for _, name := range []string{"first", "second"} {
		if p := br.Submit(openSignupPage(t, s, br), signupFields(name, nil), ""); p.Status != http.StatusSeeOther {
			t.Fatalf("sign-up %s: %s", name, p)
		}
	}
	typo := signupFields("third", map[string]string{template.FieldPasswordConfirm: "typo"})
	if p := br.Submit(openSignupPage(t, s, br), typo, ""); p.Status != http.StatusBadRequest {
		t.Fatalf("a refused form: %s", p)
	}
	p, h := submitWithHeaders(t, br, openSignupPage(t, s, br), signupFields("third", nil))
	want429(t, p, h, "1250", "Try again in 21 minutes.")
	s.Clock.Advance(1250 * time.Second)
	if p := br.Submit(openSignupPage(t, s, br), signupFields("third", nil), ""); p.Status != http.StatusSeeOther {
		t.Errorf("sign-up after the bucket refilled: %s", p)
	}
}

// TestUsernameCheckRateLimit: availability checks (JSON and the button) share a per-address
// allowance, since each may ask the homeserver; the JSON answer says when to retry.
func TestUsernameCheckRateLimit(t *testing.T) {
	t.Parallel()
	s := Start(t, openSignup(nil))
	br := s.NewBrowser(t)
	available := s.URL + account.PathRegisterAvailable + "?username=someone"
	limited := -1
	for i := range 100 {
		if p := br.Get(available); p.Status == http.StatusTooManyRequests {
			limited = i
			if !strings.Contains(p.Body, `"available":false`) || !strings.Contains(p.Body, "You tried too often") {
				t.Errorf("limited availability answer: %s", p)
			}
			break
		}
	}
	if limited < 10 || limited == -1 {
		t.Fatalf("the availability check was limited after %d requests; want a limit, and not before 10", limited)
	}
	form := openSignupPage(t, s, br)
	if p := submitTo(t, br, form, account.PathRegisterCheck, map[string]string{template.FieldUsername: "someone"}); p.Status != http.StatusTooManyRequests {
		t.Errorf("the check button from a limited address: %s", p)
	}
	s.Clock.Advance(time.Minute)
	if p := br.Get(available); p.Status != http.StatusOK {
		t.Errorf("availability after a minute: %s", p)
	}
}
