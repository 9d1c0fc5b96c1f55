package sqlite

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// BenchmarkAccessTokenByHash measures the introspection lookup (token + session, one
// indexed query on the reader pool) on a file database holding benchSessions sessions.
//
//	go test -run '^$' -bench AccessTokenByHash ./internal/store/sqlite/
//
// "serial" is one caller; "parallel" is GOMAXPROCS callers sharing the reader pool, as the
// introspection endpoint does under load.
func BenchmarkAccessTokenByHash(b *testing.B) {
	const benchSessions = 2000
	s, hashes := openBenchStore(b, benchSessions)
	lookup := func(b *testing.B, i int) {
		t, sess, err := s.Sessions().AccessTokenByHash(b.Context(), hashes[i%len(hashes)])
		if err != nil || t.SessionID != sess.ID {
			b.Fatalf("AccessTokenByHash: %+v, %+v, %v", t, sess, err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			lookup(b, i)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				lookup(b, int(next.Add(1)))
			}
		})
	})
}

// openBenchStore returns a migrated file store with n sessions started from grants, and the
// hashes of their access tokens.
func openBenchStore(b *testing.B, n int) (*Store, [][]byte) {
	b.Helper()
	ctx := b.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "mxauth.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Users().Create(ctx, model.User{ID: "u", Username: "u", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	c := model.Client{ID: "c", Origin: model.ClientDynamic, CreatedAt: now}
	if _, _, err := s.Clients().CreateDynamic(ctx, c); err != nil {
		b.Fatal(err)
	}
	hashes := make([][]byte, n)
	for i := range n {
		id := fmt.Sprintf("%06d", i)
		g := model.AuthorizationGrant{ID: "g" + id, ClientID: "c", DeviceID: "D" + id,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.Grants().Create(ctx, g); err != nil {
			b.Fatal(err)
		}
		f := store.GrantFulfilment{UserID: "u", CodeHash: hash("code" + id), FulfilledAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.Grants().Fulfil(ctx, g.ID, f); err != nil {
			b.Fatal(err)
		}
		hashes[i] = hash("at" + id)
		ns := store.NewSession{
			Session:     model.Session{ID: "s" + id, UserID: "u", ClientID: "c", DeviceID: g.DeviceID, GrantID: g.ID, CreatedAt: now},
			AccessToken: model.AccessToken{ID: "at" + id, SessionID: "s" + id, Hash: hashes[i], CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			RefreshToken: model.RefreshToken{ID: "rt" + id, SessionID: "s" + id, Hash: hash("rt" + id),
				AccessTokenID: "at" + id, CreatedAt: now},
		}
		if _, err := s.Sessions().StartFromGrant(ctx, g.ID, ns, now); err != nil {
			b.Fatal(err)
		}
	}
	return s, hashes
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
