package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Job is one periodic task.
type Job struct {
	Name     string
	Interval time.Duration
	// Run does one round of work. An error is logged; the job runs again at the next tick.
	Run func(ctx context.Context) error
}

// Run starts every job: each runs once soon after start (after a short delay, so start-up is
// not slowed) and then every Interval, until ctx ends. Run returns when all jobs have stopped.
func Run(ctx context.Context, log *slog.Logger, jobs []Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { loop(ctx, log, j) })
	}
	wg.Wait()
}

// firstRunDelay keeps the first round of every job out of the start-up path.
const firstRunDelay = 5 * time.Second

func loop(ctx context.Context, log *slog.Logger, j Job) {
	delay := min(firstRunDelay, j.Interval)
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if err := j.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("background job failed", "job", j.Name, "err", err)
		}
		timer.Reset(j.Interval)
	}
}
