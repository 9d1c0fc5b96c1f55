package worker

import (
	"context"
	"time"

	"github.com/mxauth/mxauth/internal/provision"
)

// homeserverSyncInterval is how often the queue of homeserver jobs is looked at. Requests
// try their job at once; the queue holds only what failed (Synapse down) or what another
// process queued (the CLI), so a short interval costs one indexed query per tick.
const homeserverSyncInterval = 2 * time.Second

// HomeserverSync runs the due jobs of the homeserver queue: retries with backoff, and jobs
// queued by the CLI or by another replica.
func HomeserverSync(s *provision.Syncer) Job {
	return Job{
		Name:     "homeserver-sync",
		Interval: homeserverSyncInterval,
		Run: func(ctx context.Context) error {
			_, err := s.Work(ctx)
			return err
		},
	}
}
