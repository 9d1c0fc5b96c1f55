package apptest

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/config"
)

// TestSignInDoesNotRevealAccounts: failed sign-ins look the same whether the account exists,
// is locked, has no password, or does not exist, including under the per-account limit: an
// account that exists must not be the only one that ever answers 429 (OWASP Authentication
// Cheat Sheet, "Authentication and Error Messages"). Each name gets the same answers, attempt
// after attempt, from one generous address.
func TestSignInDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, func(c *config.Config) {
				c.RateLimiting.Login.PerAccount = config.RateLimit{Burst: 2, PerSecond: 0.001}
			})
			s.CreateUser(t, "alice", testPassword)
			locked := s.CreateUser(t, "locked", testPassword)
			if err := s.App.Store().Users().SetLocked(context.Background(), locked.ID, s.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			answers := func(username, password string) []string {
				br := s.NewBrowser(t)
				var got []string
				for range 4 {
					p := signInAttempt(t, s, br, username, password)
					got = append(got, fmt.Sprint(p.Status))
				}
				return got
			}
			want := answers("alice", "wrong")
			if want[len(want)-1] != fmt.Sprint(http.StatusTooManyRequests) {
				t.Fatalf("alice's attempts %v: the per-account limit did not apply", want)
			}
			for _, tc := range []struct{ username, password string }{
				{"nobody", "wrong"},
				{"@nobody2:localhost", "wrong"},
				{"locked", testPassword},
			} {
				if diff := cmp.Diff(want, answers(tc.username, tc.password)); diff != "" {
					t.Errorf("%s answers unlike an existing account (-alice +%s):\n%s", tc.username, tc.username, diff)
				}
			}
		})
	}
}
