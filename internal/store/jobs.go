package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/model"
)

// JobStore is the queue of background jobs (model.Job): work such as calls to the
// homeserver that must happen after a state change, survive a restart, and run on one
// replica. Jobs are idempotent, so a job whose worker died is simply run again once its
// lease expires. Times are kept at millisecond precision, like every stored time.
type JobStore interface {
	// Enqueue stores j (j.ID, Kind, Key, Payload, RunAt, CreatedAt set by the caller). If a job
	// with j.Key is already queued, that row is kept instead: Payload replaced, RunAt set to the
	// earlier of the two, Version incremented, Attempts reset to 0, LastError kept. Returns the
	// ID of the job now holding the key. Safe under concurrency (two Enqueues of one key give
	// one row).
	Enqueue(ctx context.Context, j model.Job) (string, error)
	// Claim leases up to limit jobs with RunAt <= now whose lease is free or expired
	// (LockedUntil <= now), oldest RunAt first: each gets LockedUntil = now+lease and Attempts+1,
	// and is returned as stored after that. Concurrent claimers (other replicas) never get the
	// same job while its lease holds (PostgreSQL: FOR UPDATE SKIP LOCKED).
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.Job, error)
	// ClaimID claims one job by ID the same way regardless of RunAt (a caller that just
	// enqueued it runs it at once). ErrNotFound if it is gone, ErrConflict if another lease holds it.
	ClaimID(ctx context.Context, id string, now time.Time, lease time.Duration) (model.Job, error)
	// Complete deletes a claimed job if its Version is still version. If an Enqueue landed on it
	// since the claim (Version differs), the job stays and only its lease is released, so it
	// runs again. A missing job is not an error.
	Complete(ctx context.Context, id string, version int64) error
	// Retry releases a claimed job's lease after a failed run and records errText (cut to 1000
	// bytes). If Version is still version, RunAt becomes runAt (the backoff); otherwise RunAt is
	// left as the newer Enqueue set it. A missing job is not an error.
	Retry(ctx context.Context, id string, version int64, runAt time.Time, errText string) error
	// List returns up to limit queued jobs, earliest RunAt first (for the CLI and metrics).
	List(ctx context.Context, limit int) ([]model.Job, error)
	// Count returns how many jobs are queued.
	Count(ctx context.Context) (int, error)
}

// FirstJobVersion is the Version of a job that no second Enqueue has landed on yet.
const FirstJobVersion int64 = 1

// MaxJobErrorBytes is the most of a failed run's error text that Retry keeps: enough to
// diagnose, small enough that a homeserver answering with a whole HTML page cannot bloat
// the queue.
const MaxJobErrorBytes = 1000

// CheckNewJob refuses a job for JobStore.Enqueue that a backend could not store exactly or
// could never find again: the ID is how the worker completes it and the Key how duplicates
// collapse, so neither may be empty, and a job needs a kind to be run at all. The zero
// RunAt or CreatedAt is refused like every zero time written as a moment (CheckTimeIsSet).
func CheckNewJob(j model.Job) error {
	if j.ID == "" || j.Kind == "" || j.Key == "" {
		return fmt.Errorf("store: job %q: ID, kind %q and key %q must not be empty", j.ID, j.Kind, j.Key)
	}
	if err := CheckTimeIsSet("job's run time", j.RunAt); err != nil {
		return err
	}
	if err := CheckTimeIsSet("job's creation time", j.CreatedAt); err != nil {
		return err
	}
	return checkTexts(namedText{"job ID", j.ID}, namedText{"job kind", j.Kind},
		namedText{"job key", j.Key}, namedText{"job payload", j.Payload})
}

// CheckLease refuses a lease for JobStore.Claim and ClaimID shorter than a millisecond, the
// precision of stored times: such a lease would be stored as already expired, and another
// worker could claim the job at once. The zero now is refused too: it would claim nothing
// or everything depending on how the zero time compares with stored times.
func CheckLease(now time.Time, lease time.Duration) error {
	if lease < time.Millisecond {
		return fmt.Errorf("store: a job lease of %s is shorter than a millisecond", lease)
	}
	return CheckTimeIsSet("claim time", now)
}

// CheckRetry refuses the zero time as the backoff of JobStore.Retry, for the reason given
// at CheckTimeIsSet.
func CheckRetry(runAt time.Time) error {
	if runAt.IsZero() {
		return errors.New("store: a job's retry time is the zero time")
	}
	return nil
}

// JobErrorText is errText as JobStore.Retry stores it: at most MaxJobErrorBytes bytes, cut
// at a character boundary, with invalid UTF-8 and NUL replaced by U+FFFD. Error texts come
// from other systems (the homeserver's answers); a byte that no backend can store must not
// make recording the failure fail too.
func JobErrorText(errText string) string {
	s := strings.ToValidUTF8(errText, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= MaxJobErrorBytes {
		return s
	}
	cut := MaxJobErrorBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
