package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Group commit. SQLite has one writer, and on the token paths (code exchange, refresh) most
// of a write transaction's cost is its frame: BEGIN IMMEDIATE, the WAL append at COMMIT, and
// the hand-over of the one writer connection between waiting goroutines. groupWrite lets
// concurrent writers share that frame: one goroutine takes every operation queued while the
// previous transaction ran and runs them, in arrival order, in one transaction, each inside
// its own SAVEPOINT. An operation that fails is rolled back to its savepoint alone and gets
// its error; the others commit together and each gets the commit's outcome. Under no
// contention a batch holds one operation and runs without savepoints, exactly as before.
//
// An operation's result is delivered only after COMMIT returns, so a caller never acts on a
// write that is not durable; and because every operation of a batch is serialised inside
// the same IMMEDIATE transaction, what one reads and then writes cannot change in between —
// the guarded-update rules of store.SessionStore hold exactly as with one transaction each.

// writeOp is one operation of a group commit. It must do all its work through tx and return
// an error to have its own changes rolled back. It is called at most once.
type writeOp func(ctx context.Context, tx *writeTx) error

// maxBatch bounds the operations of one transaction, so one batch cannot hold the writer
// for long while a burst queues behind it.
const maxBatch = 64

type pendingOp struct {
	ctx  context.Context
	fn   writeOp
	done chan error
}

// batcher owns the goroutine that runs the batches.
type batcher struct {
	start sync.Once
	queue chan *pendingOp
	quit  chan struct{}
	done  chan struct{}
	// mu orders enqueueing against Close: once closed is set, nothing enters the queue, so
	// the batcher's final drain answers every operation that did.
	mu     sync.RWMutex
	closed bool
}

// errClosed answers operations submitted after Close.
var errClosed = errors.New("sqlite: store closed")

// groupWrite runs fn in a write transaction, possibly shared with concurrent callers, and
// returns fn's error as fn returned it, or an error of the transaction itself (already
// prefixed; never a constraint or not-found error). If ctx ends before fn started, fn does
// not run and ctx's error is returned.
func (s *Store) groupWrite(ctx context.Context, fn writeOp) error {
	b := &s.batch
	b.start.Do(func() {
		b.queue = make(chan *pendingOp, 4*maxBatch)
		b.quit = make(chan struct{})
		b.done = make(chan struct{})
		go s.runBatches()
	})
	op := &pendingOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return errClosed
	}
	select {
	case b.queue <- op:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	// Wait for the outcome even if ctx ends: the operation may be committing right now.
	return <-op.done
}

// runBatches is the batcher goroutine.
func (s *Store) runBatches() {
	b := &s.batch
	defer close(b.done)
	ops := make([]*pendingOp, 0, maxBatch)
	for {
		select {
		case <-b.quit:
			s.drainClosed()
			return
		case op := <-b.queue:
			ops = append(ops[:0], op)
		}
	collect:
		for len(ops) < maxBatch {
			select {
			case op := <-b.queue:
				ops = append(ops, op)
			default:
				break collect
			}
		}
		s.runBatch(ops)
		clear(ops)
	}
}

// drainClosed fails the operations still queued at Close.
func (s *Store) drainClosed() {
	for {
		select {
		case op := <-s.batch.queue:
			op.done <- errClosed
		default:
			return
		}
	}
}

// stopBatches ends the batcher goroutine, if it was started, after the batch in progress.
func (s *Store) stopBatches() {
	b := &s.batch
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	b.start.Do(func() {}) // never start it after this
	if b.quit == nil || already {
		return
	}
	close(b.quit)
	<-b.done
}

// runBatch runs ops in one transaction and delivers every outcome.
func (s *Store) runBatch(ops []*pendingOp) {
	results := make([]error, len(ops))
	ran := make([]bool, len(ops))
	// The transaction belongs to no single request: one caller going away must not interrupt
	// SQLite mid-statement, which would roll back everyone's work.
	tx, err := s.beginWrite(context.Background())
	if err != nil {
		deliver(ops, results, ran, fmt.Errorf("sqlite: group commit: begin: %w", err))
		return
	}
	savepoints := len(ops) > 1
	for i, op := range ops {
		if err := op.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		opErr, txErr := runOp(tx, op, savepoints)
		if txErr != nil {
			_ = tx.Rollback()
			deliver(ops, results, nil, fmt.Errorf("sqlite: group commit: %w", txErr))
			return
		}
		results[i], ran[i] = opErr, opErr == nil
	}
	if !slices.Contains(ran, true) {
		// Nothing to keep. Without savepoints (a batch of one), this is what undoes the
		// failed operation's partial changes.
		_ = tx.Rollback()
		deliver(ops, results, ran, nil)
		return
	}
	if err := tx.Commit(); err != nil {
		deliver(ops, results, ran, fmt.Errorf("sqlite: group commit: commit: %w", err))
		return
	}
	deliver(ops, results, ran, nil)
}

// runOp runs one operation, inside a savepoint when the transaction is shared. opErr is the
// operation's own failure (its changes are undone); txErr means the transaction itself is
// no longer usable.
func runOp(tx *writeTx, op *pendingOp, savepoint bool) (opErr, txErr error) {
	ctx := context.WithoutCancel(op.ctx)
	if !savepoint {
		return op.fn(ctx, tx), nil
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT op`); err != nil {
		return nil, err
	}
	if opErr = op.fn(ctx, tx); opErr != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO op`); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE op`); err != nil {
		return nil, err
	}
	return opErr, nil
}

// deliver answers every operation: its own failure, or else final (the commit's outcome,
// or the error that aborted the whole batch) for those that ran; ran == nil means none
// of them committed.
func deliver(ops []*pendingOp, results []error, ran []bool, final error) {
	for i, op := range ops {
		err := results[i]
		if ran == nil || ran[i] || err == nil {
			if final != nil {
				err = final
			}
		}
		op.done <- err
	}
}
