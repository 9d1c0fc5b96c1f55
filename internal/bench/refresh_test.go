package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/token"
)

// TestRefreshScenarioAgainstTheServer walks 4 chains 200 times in all: every refresh must
// succeed, no session may end (a chain presenting a spent token would be a replay), and the
// first refresh token of every chain must be spent.
func TestRefreshScenarioAgainstTheServer(t *testing.T) {
	t.Parallel()
	s, base, userID := startSessionServer(t)
	sc := &Refresh{}
	if err := sc.UseSessions(Sessions{Username: "alice", Password: benchPassword, Count: 4}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), sc, Options{
		Scenario: "refresh", BaseURL: base, Connections: 4, Requests: 200, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.TransportErrors+res.StatusErrors != 0 {
		t.Fatalf("%d requests, %d+%d errors; first: %s %s", res.Requests, res.TransportErrors, res.StatusErrors,
			res.FirstTransportError, res.FirstStatusError)
	}
	active, err := s.App.Store().Sessions().ListActiveByUser(t.Context(), userID)
	if err != nil || len(active) != 4 {
		t.Fatalf("%d active sessions (%v), want 4", len(active), err)
	}
	for _, tok := range sc.tokens {
		rt, _, _, err := s.App.Store().Sessions().RefreshTokenByHash(t.Context(), token.Hash(tok.refreshToken))
		if err != nil || rt.ConsumedAt.IsZero() {
			t.Errorf("first refresh token of a chain: spent at %v (%v), want spent", rt.ConsumedAt, err)
		}
	}
}

// TestRefreshScenarioNeedsASessionPerConnection: two workers on one chain would end it.
func TestRefreshScenarioNeedsASessionPerConnection(t *testing.T) {
	t.Parallel()
	_, base, _ := startSessionServer(t)
	sc := &Refresh{Sessions: Sessions{Username: "alice", Password: benchPassword, Count: 2}}
	_, err := Run(context.Background(), sc, Options{
		Scenario: "refresh", BaseURL: base, Connections: 3, Requests: 10, Timeout: 10 * time.Second,
	})
	if err == nil || !strings.Contains(err.Error(), "-sessions") {
		t.Fatalf("Run error = %v, want one naming -sessions", err)
	}
}
