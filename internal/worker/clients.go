package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/store"
)

// unusedClientBatch bounds one delete statement, so a large backlog never holds a long lock.
const unusedClientBatch = 500

// UnusedClientCleanup deletes dynamic client registrations that never started a session and
// are older than maxAge (Matrix CS API "Dynamic client registration flow": the server MAY
// delete registrations without an active session, and MUST NOT delete those with one).
func UnusedClientCleanup(clients store.ClientStore, clk clock.Clock, maxAge time.Duration, log *slog.Logger) Job {
	return Job{
		Name:     "unused-client-cleanup",
		Interval: min(maxAge/4, time.Hour),
		Run: func(ctx context.Context) error {
			total := 0
			defer func() {
				if total > 0 {
					log.Info("deleted unused client registrations", "count", total)
				}
			}()
			cutoff := clk.Now().Add(-maxAge)
			for {
				n, err := clients.DeleteUnusedDynamic(ctx, cutoff, unusedClientBatch)
				total += n
				if err != nil || n < unusedClientBatch {
					return err
				}
			}
		},
	}
}
