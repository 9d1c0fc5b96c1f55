package activity

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// SessionActive records that a session was in use at t, from ip when known (the token
// endpoint sees the client; introspection sees only the homeserver, so it passes ""). The
// account pages show the latest of these as the device's "last active" time and address.
// Memory is bounded like token uses: beyond MaxPending sessions, new ones are dropped until
// the next flush.
func (b *Buffer) SessionActive(sessionID string, t time.Time, ip string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	seen, ok := b.sessions[sessionID]
	switch {
	case ok:
		if t.After(seen.At) {
			seen.At = t
			if ip != "" {
				seen.IP = ip
			}
			b.sessions[sessionID] = seen
		}
	case len(b.sessions) >= b.maxPending:
		b.dropped.Add(1)
	default:
		b.sessions[sessionID] = store.SessionActivity{SessionID: sessionID, At: t, IP: ip}
	}
}

// flushSessions writes the pending session activity in batches; on an error the batches not
// written go back for the next flush.
func (b *Buffer) flushSessions(ctx context.Context) error {
	b.mu.Lock()
	taken := b.sessions
	if len(taken) == 0 {
		b.mu.Unlock()
		return nil
	}
	b.sessions = make(map[string]store.SessionActivity, min(len(taken), b.maxPending))
	b.mu.Unlock()
	ids := slices.Sorted(maps.Keys(taken))
	for start := 0; start < len(ids); start += b.batchSize {
		batch := make([]store.SessionActivity, 0, min(b.batchSize, len(ids)-start))
		for _, id := range ids[start:min(start+b.batchSize, len(ids))] {
			batch = append(batch, taken[id])
		}
		if err := b.store.RecordActivity(ctx, batch); err != nil {
			for _, id := range ids[start:] {
				a := taken[id]
				b.SessionActive(a.SessionID, a.At, a.IP)
			}
			return fmt.Errorf("activity: recording the activity of %d sessions: %w", len(ids)-start, err)
		}
	}
	return nil
}
