package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/matrix"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/ulid"
)

// Options configure a Syncer.
type Options struct {
	Store store.Store
	// Homeserver is the homeserver to keep in step; nil means none (matrix.kind none).
	Homeserver matrix.Homeserver
	Clock      clock.Clock
	Rand       io.Reader
	Logger     *slog.Logger
	// InlineTimeout bounds the attempt a request makes at once after enqueueing a job; the
	// worker retries the job later if it runs out. Default 5s.
	InlineTimeout time.Duration
}

// Syncer keeps the homeserver in step with mxauth. It is safe for concurrent use.
type Syncer struct {
	store         store.Store
	hs            matrix.Homeserver
	clock         clock.Clock
	rand          io.Reader
	log           *slog.Logger
	inlineTimeout time.Duration
}

// lease is how long a claimed job belongs to its worker; a worker that dies mid-job gives it up
// to the others when the lease runs out. It outlasts a homeserver call's timeout.
const lease = time.Minute

// New returns a Syncer.
func New(o Options) *Syncer {
	if o.InlineTimeout <= 0 {
		o.InlineTimeout = 5 * time.Second
	}
	return &Syncer{store: o.Store, hs: o.Homeserver, clock: o.Clock, rand: o.Rand, log: o.Logger,
		inlineTimeout: o.InlineTimeout}
}

// Enabled reports whether there is a homeserver to keep in step.
func (s *Syncer) Enabled() bool { return s != nil && s.hs != nil }

// EnsureDevice makes sure the homeserver knows the user and the device before tokens naming
// the device are issued (SYNAPSE.md §1.6 item 3: upsert_device runs synchronously on token
// issue). A user the homeserver does not know yet is provisioned first. The error is the
// homeserver's: the token endpoint answers it with 503, and the client may retry.
func (s *Syncer) EnsureDevice(ctx context.Context, u model.User, deviceID, displayName string) error {
	if !s.Enabled() {
		return nil
	}
	_, err := s.hs.UpsertDevice(ctx, u.Username, deviceID, displayName)
	if errors.Is(err, matrix.ErrUserNotFound) {
		if err := s.provisionUser(ctx, u); err != nil {
			return err
		}
		_, err = s.hs.UpsertDevice(ctx, u.Username, deviceID, displayName)
	}
	if err != nil {
		return fmt.Errorf("provision: upsert_device: %w", err)
	}
	return nil
}

// LocalpartAvailable asks the homeserver whether a username is free for sign-up (an
// application service may own it, for example). Without a homeserver every name is free.
func (s *Syncer) LocalpartAvailable(ctx context.Context, localpart string) (bool, error) {
	if !s.Enabled() {
		return true, nil
	}
	return s.hs.IsLocalpartAvailable(ctx, localpart)
}

// UserChanged reconciles the user's homeserver account with mxauth's: after sign-up, a
// display name change, locking, unlocking or deactivation.
func (s *Syncer) UserChanged(ctx context.Context, userID string) error {
	return s.schedule(ctx, KindProvisionUser, userID)
}

// SessionsEnded deletes, on the homeserver, the devices of the user's ended sessions. Call it
// after any session ends: revocation, replay detection, the account page, an operator.
func (s *Syncer) SessionsEnded(ctx context.Context, userID string) error {
	return s.schedule(ctx, KindSyncDevices, userID)
}

// CrossSigningResetAllowed passes the user's recorded approval of a cross-signing reset on.
func (s *Syncer) CrossSigningResetAllowed(ctx context.Context, userID string) error {
	return s.schedule(ctx, KindCrossSigningReset, userID)
}

// schedule enqueues a job and tries it at once. Only a failure to enqueue is returned: a
// failed attempt stays in the queue for the worker. The attempt outlives the request's
// cancellation (a client that hangs up must not leave a device behind), within InlineTimeout.
func (s *Syncer) schedule(ctx context.Context, kind, userID string) error {
	if !s.Enabled() {
		return nil
	}
	now := s.clock.Now()
	id, err := ulid.New(now, s.rand)
	if err != nil {
		return err
	}
	id, err = s.store.Jobs().Enqueue(ctx, model.Job{ID: id, Kind: kind, Key: jobKey(kind, userID),
		Payload: encodePayload(userID), RunAt: now, CreatedAt: now})
	if err != nil {
		return fmt.Errorf("provision: enqueue %s: %w", kind, err)
	}
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.inlineTimeout)
	defer cancel()
	job, err := s.store.Jobs().ClaimID(ictx, id, s.clock.Now(), lease)
	if err != nil {
		// Done already, or another worker holds it: either way it is taken care of.
		if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
			s.log.Warn("claiming a homeserver job", "kind", kind, "err", err)
		}
		return nil
	}
	s.finish(ictx, job, s.run(ictx, job))
	return nil
}

// Work runs the jobs that are due, in batches, until none is left or ctx ends. The worker
// calls it periodically; it returns how many jobs it ran.
func (s *Syncer) Work(ctx context.Context) (int, error) {
	if !s.Enabled() {
		return 0, nil
	}
	ran := 0
	for ctx.Err() == nil {
		jobs, err := s.store.Jobs().Claim(ctx, s.clock.Now(), lease, 16)
		if err != nil || len(jobs) == 0 {
			return ran, err
		}
		for _, j := range jobs {
			s.finish(ctx, j, s.run(ctx, j))
			ran++
		}
	}
	return ran, ctx.Err()
}

// finish completes a job that ran, or schedules its retry.
func (s *Syncer) finish(ctx context.Context, j model.Job, runErr error) {
	// Bookkeeping must land even if ctx ran out during the call itself.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	jobs := s.store.Jobs()
	if runErr == nil {
		if err := jobs.Complete(bctx, j.ID, j.Version); err != nil {
			s.log.Warn("completing a homeserver job", "kind", j.Kind, "job_id", j.ID, "err", err)
		}
		return
	}
	if !retryable(runErr) && j.Attempts >= maxPermanentAttempts {
		s.log.Error("homeserver job dropped after repeated refusals", "kind", j.Kind, "job_id", j.ID,
			"attempts", j.Attempts, "err", runErr)
		if err := jobs.Complete(bctx, j.ID, j.Version); err != nil {
			s.log.Warn("dropping a homeserver job", "kind", j.Kind, "job_id", j.ID, "err", err)
		}
		return
	}
	next := backoff(j.Attempts)
	s.log.Warn("homeserver job failed; will retry", "kind", j.Kind, "job_id", j.ID,
		"attempts", j.Attempts, "retry_in", next, "err", runErr)
	if err := jobs.Retry(bctx, j.ID, j.Version, s.clock.Now().Add(next), runErr.Error()); err != nil {
		s.log.Warn("rescheduling a homeserver job", "kind", j.Kind, "job_id", j.ID, "err", err)
	}
}

// retryable reports whether a failure may heal by itself: the homeserver or the network was
// unavailable, or the database was.
func retryable(err error) bool {
	var me *matrix.Error
	if errors.As(err, &me) {
		return matrix.IsTransient(err)
	}
	return !errors.Is(err, errPermanent)
}

// errPermanent marks failures that no retry can fix (a malformed job).
var errPermanent = errors.New("provision: permanent failure")
