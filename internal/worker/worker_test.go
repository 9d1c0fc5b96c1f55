package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store/sqlite"
)

func TestRunRepeatsJobsUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var runs, failures atomic.Int32
	done := make(chan struct{})
	go func() {
		Run(ctx, slog.New(slog.DiscardHandler), []Job{
			{Name: "count", Interval: time.Millisecond, Run: func(context.Context) error {
				if runs.Add(1) == 5 {
					cancel()
				}
				return nil
			}},
			{Name: "fail", Interval: time.Millisecond, Run: func(context.Context) error {
				failures.Add(1)
				return errors.New("boom") // logged; the job keeps its schedule
			}},
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if runs.Load() < 5 || failures.Load() < 1 {
		t.Errorf("runs %d, failures %d", runs.Load(), failures.Load())
	}
}

func TestUnusedClientCleanup(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	st, err := sqlite.Open(t.Context(), sqlite.Options{Path: sqlite.MemoryPath, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	mk := func(id string, age time.Duration) model.Client {
		c := model.Client{ID: id, Origin: model.ClientDynamic, CreatedAt: now.Add(-age), MetadataDigest: id,
			Metadata: model.ClientMetadata{TokenEndpointAuthMethod: model.AuthNone, ClientURI: "https://" + id + ".example/"}}
		if _, _, err := st.Clients().CreateDynamic(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// More stale clients than one batch, to check that the job loops until done.
	for i := range cleanupBatch + 3 {
		mk(fmt.Sprintf("stale-%03d", i), 48*time.Hour)
	}
	mk("fresh", time.Hour)
	used := mk("used", 72*time.Hour)
	if err := st.Clients().MarkUsed(t.Context(), used.ID, now.Add(-70*time.Hour)); err != nil {
		t.Fatal(err)
	}
	job := UnusedClientCleanup(st.Clients(), clk, 24*time.Hour, slog.New(slog.DiscardHandler))
	if job.Interval != time.Hour {
		t.Errorf("interval %v, want an hour for a 24h max age", job.Interval)
	}
	if err := job.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	left, err := st.Clients().List(t.Context(), model.ClientDynamic)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range left {
		ids = append(ids, c.ID)
	}
	if len(ids) != 2 || ids[0] != "fresh" || ids[1] != "used" {
		t.Errorf("left %v, want [fresh used]", ids)
	}
}
