package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

func testJobsClaimOrder(t *testing.T, s store.Store) {
	now := baseTime.Add(time.Hour)
	jobs := []model.Job{
		jobFixture("c", "key-c", now.Add(-time.Minute)),
		jobFixture("a", "key-a", now.Add(-time.Hour)),
		jobFixture("d", "key-d", now), // due: RunAt <= now
		jobFixture("b", "key-b", now.Add(-30*time.Minute)),
		jobFixture("future", "key-future", now.Add(time.Millisecond)),
	}
	for _, j := range jobs {
		enqueue(t, s, j)
	}
	listed, err := s.Jobs().List(t.Context(), 2)
	if diff := cmp.Diff([]model.Job{storedJob(jobs[1]), storedJob(jobs[3])}, listed); err != nil || diff != "" {
		t.Errorf("List(2) = %v (-want +got):\n%s", err, diff)
	}
	if got, err := s.Jobs().List(t.Context(), 0); err != nil || len(got) != 0 {
		t.Errorf("List(0) = %+v, %v; want nothing", got, err)
	}
	if got := claim(t, s, now, 0); len(got) != 0 {
		t.Errorf("Claim with limit 0 = %+v, want nothing", got)
	}
	want := []model.Job{claimedAt(storedJob(jobs[1]), now), claimedAt(storedJob(jobs[3]), now)}
	if diff := cmp.Diff(want, claim(t, s, now, 2)); diff != "" {
		t.Errorf("first Claim (-want +got):\n%s", diff)
	}
	want = []model.Job{claimedAt(storedJob(jobs[0]), now), claimedAt(storedJob(jobs[2]), now)}
	if diff := cmp.Diff(want, claim(t, s, now, 10)); diff != "" {
		t.Errorf("second Claim (-want +got):\n%s", diff)
	}
	if got := claim(t, s, now, 10); len(got) != 0 {
		t.Errorf("third Claim = %+v, want nothing (leased or not due)", got)
	}
}

// testJobsLeaseExpiry: a job whose worker never completed it is claimed again once the lease
// has expired (LockedUntil <= now), not a millisecond earlier.
func testJobsLeaseExpiry(t *testing.T, s store.Store) {
	j := jobFixture("job-1", "key", baseTime)
	enqueue(t, s, j)
	now := baseTime.Add(time.Second)
	first := claim(t, s, now, 1)
	want := claimedAt(storedJob(j), now)
	if diff := cmp.Diff([]model.Job{want}, first); diff != "" {
		t.Fatalf("Claim (-want +got):\n%s", diff)
	}
	expiry := want.LockedUntil
	if got := claim(t, s, expiry.Add(-time.Millisecond), 1); len(got) != 0 {
		t.Errorf("Claim before the lease expired = %+v, want nothing", got)
	}
	want = claimedAt(want, expiry)
	if diff := cmp.Diff([]model.Job{want}, claim(t, s, expiry, 1)); diff != "" {
		t.Errorf("Claim when the lease expired (-want +got):\n%s", diff)
	}
}

// testJobsClaimRace: replicas claiming at once split the queue; no job goes to two of them.
func testJobsClaimRace(t *testing.T, s store.Store) {
	const jobs, claimers = 40, 6
	for i := range jobs {
		enqueue(t, s, jobFixture(fmt.Sprintf("job-%02d", i), fmt.Sprintf("key-%02d", i), baseTime))
	}
	now := baseTime.Add(time.Second)
	var (
		mu    sync.Mutex
		owner = map[string]int{} // job ID: claimer
		wg    sync.WaitGroup
	)
	for c := range claimers {
		wg.Go(func() {
			for {
				batch, err := s.Jobs().Claim(t.Context(), now, testLease, 3)
				if err != nil {
					t.Errorf("claimer %d: %v", c, err)
				}
				if err != nil || len(batch) == 0 {
					return
				}
				mu.Lock()
				for _, j := range batch {
					if other, taken := owner[j.ID]; taken || j.Attempts != 1 {
						t.Errorf("job %s (Attempts %d) went to claimer %d, and to %d before: %v", j.ID, j.Attempts, c, other, taken)
					}
					owner[j.ID] = c
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(owner) != jobs {
		t.Errorf("claimed %d distinct jobs, want all %d", len(owner), jobs)
	}
}

// testJobsClaimID: a caller runs a job it just enqueued at once, whatever its RunAt.
func testJobsClaimID(t *testing.T, s store.Store) {
	now := baseTime.Add(time.Second)
	for _, id := range []string{"missing", "", "bad\xff"} {
		if got, err := s.Jobs().ClaimID(t.Context(), id, now, testLease); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ClaimID(%q) = %+v, %v; want store.ErrNotFound", id, got, err)
		}
	}
	j := jobFixture("job-1", "key", now.Add(time.Hour)) // not due yet
	enqueue(t, s, j)
	want := claimedAt(storedJob(j), now)
	if diff := cmp.Diff(want, claimID(t, s, j.ID, now)); diff != "" {
		t.Errorf("ClaimID (-want +got):\n%s", diff)
	}
	later := now.Add(testLease - time.Millisecond)
	if got, err := s.Jobs().ClaimID(t.Context(), j.ID, later, testLease); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ClaimID while leased = %+v, %v; want store.ErrConflict", got, err)
	}
	assertJobs(t, s, want)
	expiry := want.LockedUntil
	if diff := cmp.Diff(claimedAt(want, expiry), claimID(t, s, j.ID, expiry)); diff != "" {
		t.Errorf("ClaimID after the lease expired (-want +got):\n%s", diff)
	}
	if err := s.Jobs().Complete(t.Context(), j.ID, want.Version); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got, err := s.Jobs().ClaimID(t.Context(), j.ID, expiry, testLease); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimID of a completed job = %+v, %v; want store.ErrNotFound", got, err)
	}
}

func testJobsComplete(t *testing.T, s store.Store) {
	j, other := jobFixture("job-1", "key", baseTime), jobFixture("job-2", "key-2", baseTime)
	enqueue(t, s, j)
	enqueue(t, s, other)
	got := claimID(t, s, j.ID, baseTime)
	if err := s.Jobs().Complete(t.Context(), got.ID, got.Version); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	assertJobs(t, s, storedJob(other))
	for _, id := range []string{j.ID, "never-there", "", "bad\xff"} {
		if err := s.Jobs().Complete(t.Context(), id, got.Version); err != nil {
			t.Errorf("Complete(%q) of a missing job = %v, want nil", id, err)
		}
	}
	// The key is free again: the next Enqueue makes a new job.
	again := jobFixture("job-3", "key", baseTime)
	if id := enqueue(t, s, again); id != again.ID {
		t.Errorf("Enqueue after Complete = %q, want the new job %q", id, again.ID)
	}
}

// testJobsCompleteAfterEnqueue: state changed while the job ran (an Enqueue landed on it),
// so the run did not see the newest payload: the job stays and runs again at once.
func testJobsCompleteAfterEnqueue(t *testing.T, s store.Store) {
	j := jobFixture("job-1", "key", baseTime)
	enqueue(t, s, j)
	now := baseTime.Add(time.Second)
	running := claimID(t, s, j.ID, now)
	newer := jobFixture("job-2", "key", now)
	newer.Payload = `{"newer":true}`
	enqueue(t, s, newer)
	if err := s.Jobs().Complete(t.Context(), running.ID, running.Version); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := storedJob(j)
	want.Payload, want.Version = newer.Payload, running.Version+1
	assertJobs(t, s, want) // lease released, attempts reset by the Enqueue
	rerun := claim(t, s, now, 1)
	if diff := cmp.Diff([]model.Job{claimedAt(want, now)}, rerun); diff != "" {
		t.Fatalf("Claim after Complete (-want +got):\n%s", diff)
	}
	if err := s.Jobs().Complete(t.Context(), j.ID, rerun[0].Version); err != nil {
		t.Fatalf("second Complete: %v", err)
	}
	assertJobs(t, s)
}

// testJobsRetry: a failed run is retried at the backoff, with its error recorded.
func testJobsRetry(t *testing.T, s store.Store) {
	j := jobFixture("job-1", "key", baseTime)
	enqueue(t, s, j)
	now := baseTime.Add(time.Second)
	running := claimID(t, s, j.ID, now)
	backoff := now.Add(time.Minute)
	if err := s.Jobs().Retry(t.Context(), j.ID, running.Version, backoff, "homeserver said 502"); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	want := running
	want.LockedUntil, want.RunAt, want.LastError = time.Time{}, stored(backoff), "homeserver said 502"
	assertJobs(t, s, want)
	if got := claim(t, s, backoff.Add(-time.Millisecond), 1); len(got) != 0 {
		t.Errorf("Claim before the backoff = %+v, want nothing", got)
	}
	again := claim(t, s, backoff, 1)
	if len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("Claim at the backoff = %+v, want the job with Attempts 2", again)
	}
	running = again[0]

	// Error text from other systems is kept within store.MaxJobErrorBytes, cut at a character
	// boundary, and stored even if it holds bytes no backend can store as they are.
	long := "bad\x00\xff" + strings.Repeat("é", store.MaxJobErrorBytes)
	if err := s.Jobs().Retry(t.Context(), j.ID, running.Version, backoff, long); err != nil {
		t.Fatalf("Retry with a long error: %v", err)
	}
	if got, want := listOne(t, s).LastError, store.JobErrorText(long); got != want || len(got) > store.MaxJobErrorBytes {
		t.Errorf("LastError = %q (%d bytes), want %q", got, len(got), want)
	}
	for _, id := range []string{"never-there", "", "bad\xff"} {
		if err := s.Jobs().Retry(t.Context(), id, 1, backoff, "x"); err != nil {
			t.Errorf("Retry(%q) of a missing job = %v, want nil", id, err)
		}
	}
	if err := s.Jobs().Retry(t.Context(), j.ID, running.Version, time.Time{}, "x"); err == nil {
		t.Error("Retry accepted the zero time as the backoff")
	}
}

// testJobsRetryAfterEnqueue: an Enqueue that landed during the failed run asked for the new
// state to be applied now; the backoff of the old run must not delay it.
func testJobsRetryAfterEnqueue(t *testing.T, s store.Store) {
	j := jobFixture("job-1", "key", baseTime)
	enqueue(t, s, j)
	now := baseTime.Add(time.Second)
	running := claimID(t, s, j.ID, now)
	enqueue(t, s, jobFixture("job-2", "key", now)) // RunAt stays the earlier baseTime
	if err := s.Jobs().Retry(t.Context(), j.ID, running.Version, now.Add(time.Hour), "timeout"); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	want := storedJob(j)
	want.Version, want.LastError = running.Version+1, "timeout"
	want.Payload = jobFixture("job-2", "key", now).Payload
	assertJobs(t, s, want)
}

// listOne returns the only queued job.
func listOne(t *testing.T, s store.Store) model.Job {
	t.Helper()
	jobs, err := s.Jobs().List(t.Context(), 2)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("List = %+v, %v; want one job", jobs, err)
	}
	return jobs[0]
}
