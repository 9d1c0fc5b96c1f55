package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testJobs checks store.JobStore. Besides the interface's contract it pins down, for every
// backend: a new job has Version store.FirstJobVersion; Claim returns jobs ordered by RunAt;
// LockedUntil is now+lease truncated to milliseconds; a lease shorter than a millisecond,
// an empty ID, kind or key, text no backend can store and a zero time are plain errors; an
// ID taken by a job with another key is store.ErrConflict; a Retry error text is kept valid
// UTF-8, cut at a character boundary.
func testJobs(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"EnqueueRoundTrip", testJobsRoundTrip},
		{"EnqueueSameKeyUpdatesQueuedJob", testJobsSameKey},
		{"ConcurrentEnqueueOneRow", testJobsEnqueueRace},
		{"Rejects", testJobsRejects},
		{"ListAndClaimOldestFirst", testJobsClaimOrder},
		{"LeaseExpiry", testJobsLeaseExpiry},
		{"ConcurrentClaimersNeverShare", testJobsClaimRace},
		{"ClaimID", testJobsClaimID},
		{"Complete", testJobsComplete},
		{"CompleteAfterEnqueueKeepsJob", testJobsCompleteAfterEnqueue},
		{"Retry", testJobsRetry},
		{"RetryAfterEnqueueKeepsRunAt", testJobsRetryAfterEnqueue},
	})
}

const testLease = 30 * time.Second

// jobFixture is a job with key, due at runAt, created at baseTime.
func jobFixture(id, key string, runAt time.Time) model.Job {
	return model.Job{ID: id, Kind: "test.kind", Key: key, Payload: `{"job":"` + id + `"}`,
		RunAt: runAt, CreatedAt: baseTime}
}

// storedJob is j as Enqueue stores it as a new job.
func storedJob(j model.Job) model.Job {
	j.Version, j.Attempts, j.LockedUntil, j.LastError = store.FirstJobVersion, 0, time.Time{}, ""
	j.RunAt, j.CreatedAt = stored(j.RunAt), stored(j.CreatedAt)
	return j
}

// claimedAt is stored job j after a claim at now with testLease.
func claimedAt(j model.Job, now time.Time) model.Job {
	j.Attempts++
	j.LockedUntil = stored(now.Add(testLease))
	return j
}

func enqueue(t *testing.T, s store.Store, j model.Job) string {
	t.Helper()
	id, err := s.Jobs().Enqueue(t.Context(), j)
	if err != nil {
		t.Fatalf("Enqueue(%s): %v", j.ID, err)
	}
	return id
}

func claim(t *testing.T, s store.Store, now time.Time, limit int) []model.Job {
	t.Helper()
	jobs, err := s.Jobs().Claim(t.Context(), now, testLease, limit)
	if err != nil {
		t.Fatalf("Claim(%v, %d): %v", now, limit, err)
	}
	return jobs
}

func claimID(t *testing.T, s store.Store, id string, now time.Time) model.Job {
	t.Helper()
	j, err := s.Jobs().ClaimID(t.Context(), id, now, testLease)
	if err != nil {
		t.Fatalf("ClaimID(%s, %v): %v", id, now, err)
	}
	return j
}

// assertJobs checks that the queue holds exactly want, in List's order, and that Count agrees.
func assertJobs(t *testing.T, s store.Store, want ...model.Job) {
	t.Helper()
	got, err := s.Jobs().List(t.Context(), 100)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	for _, j := range got {
		for _, tm := range []time.Time{j.RunAt, j.LockedUntil, j.CreatedAt} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Errorf("job %s: time %v is not in UTC", j.ID, tm)
			}
		}
	}
	if n, err := s.Jobs().Count(t.Context()); err != nil || n != len(want) {
		t.Errorf("Count = %d, %v; want %d", n, err, len(want))
	}
}

func testJobsRoundTrip(t *testing.T, s store.Store) {
	assertJobs(t, s)
	j := jobFixture("job-1", "user:@alice:example.org", baseTime.Add(time.Minute))
	j.Payload = `{"devices":["DEV é"]}`
	// What only the store sets is ignored on a new job.
	j.Version, j.Attempts, j.LockedUntil, j.LastError = 7, 3, baseTime.Add(time.Hour), "old failure"
	if id := enqueue(t, s, j); id != j.ID {
		t.Errorf("Enqueue = %q, want %q", id, j.ID)
	}
	assertJobs(t, s, storedJob(j))
}

// testJobsSameKey: a second Enqueue of a queued key updates the queued job: the newest
// payload wins, the earliest RunAt wins, the attempts start over, the last error stays.
func testJobsSameKey(t *testing.T, s store.Store) {
	first := jobFixture("job-1", "key", baseTime.Add(10*time.Minute))
	other := jobFixture("job-other", "other key", baseTime.Add(time.Hour))
	enqueue(t, s, first)
	enqueue(t, s, other)
	want := storedJob(first)

	later := jobFixture("job-2", "key", baseTime.Add(20*time.Minute))
	later.Kind, later.Payload, later.CreatedAt = "other.kind", `{"second":true}`, baseTime.Add(time.Second)
	if id := enqueue(t, s, later); id != first.ID {
		t.Errorf("Enqueue of a queued key = %q, want the queued job %q", id, first.ID)
	}
	want.Payload, want.Version = later.Payload, want.Version+1
	assertJobs(t, s, want, storedJob(other))

	// A failed run leaves attempts and an error; the next Enqueue resets only the attempts.
	now := baseTime.Add(10 * time.Minute)
	if got := claim(t, s, now, 1); len(got) != 1 || got[0].ID != first.ID {
		t.Fatalf("Claim = %+v, want %s", got, first.ID)
	}
	if err := s.Jobs().Retry(t.Context(), first.ID, want.Version, now.Add(time.Hour), "boom"); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	earlier := jobFixture("job-3", "key", baseTime.Add(5*time.Minute))
	if id := enqueue(t, s, earlier); id != first.ID {
		t.Errorf("Enqueue after Retry = %q, want %q", id, first.ID)
	}
	want.Payload, want.Version, want.RunAt, want.LastError = earlier.Payload, want.Version+1, stored(earlier.RunAt), "boom"
	assertJobs(t, s, want, storedJob(other))
}

// testJobsEnqueueRace: replicas enqueueing one key at once leave one job, which counts
// every Enqueue in its version.
func testJobsEnqueueRace(t *testing.T, s store.Store) {
	const racers = 8
	ids := make([]string, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			ids[i], errs[i] = s.Jobs().Enqueue(t.Context(), jobFixture(fmt.Sprintf("job-%d", i), "key", baseTime))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Enqueue #%d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Errorf("Enqueue #%d = %q, but #0 = %q: one key must give one job", i, ids[i], ids[0])
		}
	}
	if got, want := listOne(t, s), store.FirstJobVersion+racers-1; got.ID != ids[0] || got.Version != want {
		t.Errorf("queued job %s at version %d, want %s at version %d", got.ID, got.Version, ids[0], want)
	}
}

func testJobsRejects(t *testing.T, s store.Store) {
	valid := jobFixture("job-1", "key", baseTime)
	for _, tc := range []struct {
		name   string
		change func(*model.Job)
	}{
		{"empty ID", func(j *model.Job) { j.ID = "" }},
		{"empty kind", func(j *model.Job) { j.Kind = "" }},
		{"empty key", func(j *model.Job) { j.Key = "" }},
		{"NUL in payload", func(j *model.Job) { j.Payload = "{\x00}" }},
		{"invalid UTF-8 key", func(j *model.Job) { j.Key = "key\xff" }},
		{"zero RunAt", func(j *model.Job) { j.RunAt = time.Time{} }},
		{"zero CreatedAt", func(j *model.Job) { j.CreatedAt = time.Time{} }},
	} {
		j := valid
		tc.change(&j)
		_, err := s.Jobs().Enqueue(t.Context(), j)
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("Enqueue with %s = %v, want a plain error", tc.name, err)
		}
	}
	assertJobs(t, s)

	enqueue(t, s, valid)
	taken := jobFixture(valid.ID, "another key", baseTime)
	if _, err := s.Jobs().Enqueue(t.Context(), taken); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Enqueue of a taken ID with another key = %v, want store.ErrConflict", err)
	}
	// A lease shorter than the stored precision would be expired at once.
	for _, lease := range []time.Duration{0, -time.Second, time.Millisecond - 1} {
		_, errClaim := s.Jobs().Claim(t.Context(), baseTime, lease, 1)
		_, errID := s.Jobs().ClaimID(t.Context(), valid.ID, baseTime, lease)
		if errClaim == nil || errID == nil || errors.Is(errID, store.ErrConflict) {
			t.Errorf("Claim, ClaimID with lease %s = %v, %v; want plain errors", lease, errClaim, errID)
		}
	}
	assertJobs(t, s, storedJob(valid))
}

// testJobsClaimOrder: List and Claim go earliest RunAt first, up to limit; Claim takes due
// jobs only and returns them as stored after the claim.
