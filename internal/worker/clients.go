package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/store"
)

// cleanupBatch bounds one delete statement, so a large backlog never holds a long lock.
const cleanupBatch = 500

// DeleteFunc deletes at most limit rows that died before cutoff and says how many it deleted.
type DeleteFunc func(ctx context.Context, cutoff time.Time, limit int) (int, error)

// Cleanup is a job that deletes, in batches, the rows del finds older than keep.
func Cleanup(name string, interval, keep time.Duration, clk clock.Clock, del DeleteFunc, log *slog.Logger) Job {
	return Job{
		Name:     name,
		Interval: interval,
		Run: func(ctx context.Context) error {
			total := 0
			defer func() {
				if total > 0 {
					log.Info("cleaned up", "job", name, "rows", total)
				}
			}()
			cutoff := clk.Now().Add(-keep)
			for {
				n, err := del(ctx, cutoff, cleanupBatch)
				total += n
				if err != nil || n < cleanupBatch {
					return err
				}
			}
		},
	}
}

// UnusedClientCleanup deletes dynamic client registrations that never started a session and
// are older than maxAge (Matrix CS API "Dynamic client registration flow": the server MAY
// delete registrations without an active session, and MUST NOT delete those with one).
func UnusedClientCleanup(clients store.ClientStore, clk clock.Clock, maxAge time.Duration, log *slog.Logger) Job {
	return Cleanup("unused-client-cleanup", min(maxAge/4, time.Hour), maxAge, clk, clients.DeleteUnusedDynamic, log)
}

// expiredGrace keeps dead rows a while after they die: an ended session's tokens still answer
// "inactive" rather than "unknown" to a late caller, and logs can be matched to them.
const expiredGrace = 24 * time.Hour

// ExpiredDataCleanup deletes expired and ended grants, browser sessions, OAuth sessions and
// tokens once they have been dead for a day.
func ExpiredDataCleanup(st store.Store, clk clock.Clock, log *slog.Logger) []Job {
	return []Job{
		Cleanup("expired-grant-cleanup", time.Hour, expiredGrace, clk, st.Grants().DeleteExpired, log),
		Cleanup("expired-browser-session-cleanup", time.Hour, expiredGrace, clk, st.BrowserSessions().DeleteExpired, log),
		Cleanup("expired-token-cleanup", time.Hour, expiredGrace, clk, st.Sessions().DeleteExpired, log),
	}
}
