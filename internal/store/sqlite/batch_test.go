package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestGroupCommit drives one batch of three operations: one fails (its own row is undone),
// one succeeds (committed with the batch), one's caller gave up before it ran (it never
// runs). A first operation holds the writer while the three queue, so they share a batch.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), Options{Path: MemoryPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.writer.ExecContext(t.Context(), `CREATE TABLE t (x TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	insert := func(x string) writeOp {
		return func(ctx context.Context, tx *writeTx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO t (x) VALUES (?)`, x)
			return err
		}
	}
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.groupWrite(context.Background(), func(ctx context.Context, tx *writeTx) error {
			close(held)
			<-hold
			return insert("first")(ctx, tx)
		})
	}()
	<-held

	boom := errors.New("boom")
	results := make(chan error, 3)
	submit := func(ctx context.Context, op writeOp) { go func() { results <- s.groupWrite(ctx, op) }() }
	submit(context.Background(), func(ctx context.Context, tx *writeTx) error {
		if err := insert("failed")(ctx, tx); err != nil {
			return err
		}
		return boom // its row must not survive
	})
	submit(context.Background(), insert("kept"))
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	// A cancelled caller may be refused at the queue or inside the batch; either way it
	// never runs.
	submit(gone, insert("never"))
	waitQueued(t, s, 3)
	close(hold)

	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	var gotBoom, gotOK, gotCancel int
	for range 3 {
		switch err := <-results; {
		case errors.Is(err, boom):
			gotBoom++
		case errors.Is(err, context.Canceled):
			gotCancel++
		case err == nil:
			gotOK++
		default:
			t.Errorf("unexpected result %v", err)
		}
	}
	if gotBoom != 1 || gotOK != 1 || gotCancel != 1 {
		t.Fatalf("results: %d failed, %d ok, %d cancelled", gotBoom, gotOK, gotCancel)
	}
	rows, err := s.reader.QueryContext(t.Context(), `SELECT x FROM t ORDER BY x`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	if len(got) != 2 || got[0] != "first" || got[1] != "kept" {
		t.Fatalf("rows after the batches: %v", got)
	}
}

// waitQueued waits until n operations wait in the batcher's queue (or were refused before
// they got there, which only the cancelled one can be).
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.batch.queue) < n-1 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d operations queued", len(s.batch.queue))
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // let the third settle in the queue or be refused
}

func TestGroupWriteAfterClose(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), Options{Path: MemoryPath})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.groupWrite(t.Context(), func(context.Context, *writeTx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.groupWrite(t.Context(), func(context.Context, *writeTx) error { return nil }); !errors.Is(err, errClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
