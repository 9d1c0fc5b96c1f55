package sqlite

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// BenchmarkRefresh measures a refresh rotation (guarded update and two inserts in one
// IMMEDIATE transaction on the writer) on a file database.
//
//	go test -run '^$' -bench Refresh ./internal/store/sqlite/
//
// "serial" is one caller refreshing one session's chain; "parallel" is GOMAXPROCS callers,
// each refreshing a session of its own, queueing for the one writer connection as the token
// endpoint does under load. Every refresh is a first use (store.Rotated).
func BenchmarkRefresh(b *testing.B) {
	sessions := runtime.GOMAXPROCS(0) + 1
	s, _ := openBenchStore(b, sessions)
	now := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
	// current[i] is session i's live refresh token; openBenchStore names the first ones.
	current := make([]string, sessions)
	for i := range current {
		current[i] = fmt.Sprintf("rt%06d", i)
	}
	var seq atomic.Int64
	rotate := func(i int) error {
		id := fmt.Sprintf("%06d-%d", i, seq.Add(1))
		sessionID := fmt.Sprintf("s%06d", i)
		next := store.NewTokens{
			AccessToken: model.AccessToken{ID: "at" + id, SessionID: sessionID, Hash: hash("at" + id),
				CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)},
			RefreshToken: model.RefreshToken{ID: "rt" + id, SessionID: sessionID, Hash: hash("rt" + id),
				AccessTokenID: "at" + id, CreatedAt: now},
		}
		out, err := s.Sessions().Refresh(b.Context(), current[i], next, now)
		if err != nil || out != store.Rotated {
			return fmt.Errorf("Refresh(%s) = %v, %v; want Rotated", current[i], out, err)
		}
		current[i] = next.RefreshToken.ID
		return nil
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := rotate(0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var worker atomic.Int64 // per run: each goroutine owns session 1..GOMAXPROCS
		b.RunParallel(func(pb *testing.PB) {
			i := int(worker.Add(1))
			for pb.Next() {
				if err := rotate(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
