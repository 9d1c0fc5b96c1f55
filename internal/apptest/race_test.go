package apptest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/mxauth/mxauth/internal/token"
)

// TestConcurrentRefreshAndRevoke hammers one session from many goroutines with refreshes of
// the newest and of older refresh tokens (retries and replays, which may end the session),
// then revokes it twice at once. Whatever the interleaving, no answer is a 5xx (a lost race
// is not an outage), the session never holds two live refresh tokens, and nothing survives
// the revocation.
func TestConcurrentRefreshAndRevoke(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Start(t, nil)
			s.CreateUser(t, "alice", testPassword)
			clientID := nativeClient(t, s, "")
			first := loggedIn(t, s, s.NewBrowser(t), clientID)

			var (
				mu     sync.Mutex
				issued = []string{first["refresh_token"].(string)}
				wg     sync.WaitGroup
			)
			for w := range 16 {
				wg.Go(func() {
					for i := range 8 {
						mu.Lock()
						rt := issued[len(issued)-1]
						if (w+i)%5 == 0 {
							rt = issued[(w*i)%len(issued)] // an older token: a retry or a replay
						}
						mu.Unlock()
						resp, err := s.Client.PostForm(s.URL+"/oauth2/token", refreshForm(clientID, rt))
						if err != nil {
							t.Error(err)
							return
						}
						out := decodeJSON(t, resp)
						if resp.StatusCode >= 500 {
							t.Errorf("refresh answered %d %v", resp.StatusCode, out)
						}
						if next, ok := out["refresh_token"].(string); ok {
							mu.Lock()
							issued = append(issued, next)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			assertAtMostOneLiveRefreshToken(t, s, issued)

			// Revoke with two goroutines at once; everything must be dead afterwards.
			var rw sync.WaitGroup
			for _, rt := range []string{issued[0], issued[len(issued)-1]} {
				rw.Go(func() {
					if st := revoke(t, s, url.Values{"token": {rt}, "client_id": {clientID}}); st != http.StatusOK {
						t.Errorf("revoke: %d", st)
					}
				})
			}
			rw.Wait()
			assertAtMostOneLiveRefreshToken(t, s, issued)
			if st, _, _ := postToken(t, s, refreshForm(clientID, issued[len(issued)-1])); st != http.StatusBadRequest {
				t.Errorf("refresh after revocation: %d", st)
			}
		})
	}
}

func assertAtMostOneLiveRefreshToken(t *testing.T, s *Server, issued []string) {
	t.Helper()
	live := 0
	for _, rt := range issued {
		tok, sess, _, err := s.App.Store().Sessions().RefreshTokenByHash(context.Background(), token.Hash(rt))
		if err != nil {
			t.Fatalf("looking up an issued refresh token: %v", err)
		}
		if sess.Active() && tok.RevokedAt.IsZero() && tok.ConsumedAt.IsZero() {
			live++
		}
	}
	if live > 1 {
		t.Errorf("%d live refresh tokens in one session", live)
	}
}

func decodeJSON(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}
