package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how often the checkpointer copies the WAL back into the database file.
// Small, frequent copies keep its bursts short: measured against every 250 ms, the exchange's
// p99 at 16 connections fell from 25 to 20 ms, with the same throughput.
const checkpointEvery = 100 * time.Millisecond

// checkpointer runs PASSIVE checkpoints on a connection of its own, so that copying the WAL
// back into the database file does not happen inside the writer's commits
// (https://www.sqlite.org/wal.html#checkpointing). A PASSIVE checkpoint neither waits for
// nor blocks the writer or the readers; it copies what it can, and the writer restarts the
// WAL from its beginning once everything is copied. The writer's own automatic checkpoint
// (walCheckpointPages) stays as the bound on the WAL should the checkpointer fall behind.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	wg   sync.WaitGroup
}

func startCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.wg.Add(1)
	go c.run(every)
	return c
}

func (c *checkpointer) run(every time.Duration) {
	defer c.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// A failure (another process holding the checkpoint lock, a full disk) is left
		// for the next tick; the writer's automatic checkpoint bounds the WAL meanwhile.
		_, _, _ = c.checkpoint(context.Background())
	}
}

// checkpoint runs one PASSIVE checkpoint and reports the WAL's length and how much of it is
// now in the database file, in frames.
func (c *checkpointer) checkpoint(ctx context.Context) (walFrames, copied int, err error) {
	var busy int
	err = c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &walFrames, &copied)
	return walFrames, copied, err
}

// close stops the ticker and closes the connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.wg.Wait()
	return c.db.Close()
}
