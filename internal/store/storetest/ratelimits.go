package storetest

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// testRateLimits checks store.RateLimitStore. Besides the interface's contract it pins down,
// for every backend: elapsed time is counted in whole milliseconds of the truncated times; a
// Take with a now earlier than the bucket's last take refills nothing and does not move the
// bucket back in time; a bad key, burst or rate is a plain error.
func testRateLimits(t *testing.T, open OpenFunc) {
	runParallel(t, open, []testCase{
		{"Burst", testRateLimitsBurst},
		{"Refill", testRateLimitsRefill},
		{"RetryAfterRounding", testRateLimitsRetryAfter},
		{"ConcurrentTakes", testRateLimitsConcurrent},
		{"ClockGoingBack", testRateLimitsClockBack},
		{"DeleteIdle", testRateLimitsDeleteIdle},
		{"Rejects", testRateLimitsRejects},
	})
}

// takeResult is what one Take answered.
type takeResult struct {
	allowed    bool
	retryAfter time.Duration
}

// bucketStep is one Take on a bucket and what it must answer.
type bucketStep struct {
	at   time.Duration // after baseTime
	want takeResult
}

var allowed = takeResult{allowed: true}

func refused(retryAfter time.Duration) takeResult { return takeResult{retryAfter: retryAfter} }

// runBucket takes from key at each step in turn.
func runBucket(t *testing.T, s store.Store, key string, burst int, perSecond float64, steps []bucketStep) {
	t.Helper()
	for i, st := range steps {
		ok, after, err := s.RateLimits().Take(t.Context(), key, burst, perSecond, baseTime.Add(st.at))
		if err != nil {
			t.Fatalf("step %d: Take(%q) at +%s: %v", i, key, st.at, err)
		}
		if got := (takeResult{ok, after}); got != st.want {
			t.Errorf("step %d: Take(%q) at +%s = %+v, want %+v", i, key, st.at, got, st.want)
		}
	}
}

func testRateLimitsBurst(t *testing.T, s store.Store) {
	// A new bucket is full: burst takes at once, then one token per second.
	runBucket(t, s, "login:@alice:example.org", 3, 1, []bucketStep{
		{0, allowed}, {0, allowed}, {0, allowed},
		{0, refused(time.Second)},
		{0, refused(time.Second)}, // a refused Take takes nothing
	})
	// Buckets are independent.
	runBucket(t, s, "login:@bob:example.org", 1, 1, []bucketStep{{0, allowed}, {0, refused(time.Second)}})
}

func testRateLimitsRefill(t *testing.T, s store.Store) {
	runBucket(t, s, "key", 3, 2, []bucketStep{ // a token every 500ms
		{0, allowed}, {0, allowed}, {0, allowed},
		{200 * time.Millisecond, refused(300 * time.Millisecond)},
		{500 * time.Millisecond, allowed},
		{600 * time.Millisecond, refused(400 * time.Millisecond)},
		{1250 * time.Millisecond, allowed}, // 1.5 tokens there
		{1250 * time.Millisecond, refused(250 * time.Millisecond)},
		{1500 * time.Millisecond, allowed},
		// Idle far longer than a refill: the bucket holds burst, no more.
		{time.Hour, allowed}, {time.Hour, allowed}, {time.Hour, allowed},
		{time.Hour, refused(500 * time.Millisecond)},
	})
}

// testRateLimitsRetryAfter: the wait is rounded up to a whole millisecond, is at least one,
// and a caller who waits exactly that long gets the token.
func testRateLimitsRetryAfter(t *testing.T, s store.Store) {
	runBucket(t, s, "thirds", 1, 3, []bucketStep{ // a token every 333.3ms
		{0, allowed},
		{0, refused(334 * time.Millisecond)},
		{334 * time.Millisecond, allowed},
		// The bucket held at most 1 (burst), so nothing was left after the take at +334ms.
		{335 * time.Millisecond, refused(333 * time.Millisecond)}, // 0.003 there: 332.3ms to go
		{667 * time.Millisecond, refused(time.Millisecond)},       // 0.999 there
		{668 * time.Millisecond, allowed},
	})
	runBucket(t, s, "fast", 1, 2000, []bucketStep{ // a token every 0.5ms
		{0, allowed},
		{0, refused(time.Millisecond)},
		{time.Millisecond, allowed},
	})
	runBucket(t, s, "tenth", 1, 0.1, []bucketStep{ // a token every 10s
		{0, allowed},
		{3 * time.Second, refused(7 * time.Second)},
		{7 * time.Second, refused(3 * time.Second)}, // not 3.001s: (1-0.7)*1000/0.1 is 3000.0000000000005
		{10 * time.Second, allowed},
	})
}

// testRateLimitsConcurrent: replicas taking from one bucket at once let exactly burst through.
func testRateLimitsConcurrent(t *testing.T, s store.Store) {
	const takers, burst = 24, 7
	results := make([]bool, takers)
	errs := make([]error, takers)
	var wg sync.WaitGroup
	for i := range takers {
		wg.Go(func() {
			results[i], _, errs[i] = s.RateLimits().Take(t.Context(), "shared", burst, 0.001, baseTime)
		})
	}
	wg.Wait()
	n := 0
	for i := range takers {
		if errs[i] != nil {
			t.Errorf("Take #%d: %v", i, errs[i])
		}
		if results[i] {
			n++
		}
	}
	if n != burst {
		t.Errorf("%d of %d concurrent Takes allowed, want exactly burst %d", n, takers, burst)
	}
}

// testRateLimitsClockBack: replicas' clocks disagree a little; a Take from a replica whose
// clock is behind must not earn tokens on the next Take from one that is ahead.
func testRateLimitsClockBack(t *testing.T, s store.Store) {
	runBucket(t, s, "skew", 2, 1, []bucketStep{
		{10 * time.Second, allowed},
		{0, allowed}, // 10s behind: refills nothing, the last token goes
		{0, refused(time.Second)},
		{10 * time.Second, refused(time.Second)}, // the bucket did not move back to +0
		{11 * time.Second, allowed},
	})
}

func testRateLimitsDeleteIdle(t *testing.T, s store.Store) {
	take := func(key string, at time.Duration) {
		t.Helper()
		if ok, _, err := s.RateLimits().Take(t.Context(), key, 1, 0.001, baseTime.Add(at)); err != nil || !ok {
			t.Fatalf("Take(%q) at +%s = %v, %v; want allowed", key, at, ok, err)
		}
	}
	take("old-1", 0)
	take("old-2", time.Millisecond)
	take("old-3", 2*time.Millisecond)
	take("recent", time.Minute)
	cutoff := baseTime.Add(time.Minute) // "recent" was touched at the cutoff: not before it
	if n, err := s.RateLimits().DeleteIdle(t.Context(), cutoff, 0); err != nil || n != 0 {
		t.Errorf("DeleteIdle with limit 0 = %d, %v; want 0", n, err)
	}
	if n, err := s.RateLimits().DeleteIdle(t.Context(), cutoff, 2); err != nil || n != 2 {
		t.Errorf("first DeleteIdle = %d, %v; want 2", n, err)
	}
	if n, err := s.RateLimits().DeleteIdle(t.Context(), cutoff, 10); err != nil || n != 1 {
		t.Errorf("second DeleteIdle = %d, %v; want 1", n, err)
	}
	// Deleted buckets start full again; "recent" is still empty (1 token per 1000s).
	now := time.Minute + time.Second
	for _, key := range []string{"old-1", "old-2", "old-3"} {
		runBucket(t, s, key, 1, 0.001, []bucketStep{{now, allowed}})
	}
	runBucket(t, s, "recent", 1, 0.001, []bucketStep{{now, refused(999 * time.Second)}})
}

func testRateLimitsRejects(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		name      string
		key       string
		burst     int
		perSecond float64
		now       time.Time
	}{
		{"empty key", "", 1, 1, baseTime},
		{"invalid UTF-8 key", "key\xff", 1, 1, baseTime},
		{"NUL in key", "key\x00", 1, 1, baseTime},
		{"zero burst", "key", 0, 1, baseTime},
		{"negative burst", "key", -1, 1, baseTime},
		{"zero rate", "key", 1, 0, baseTime},
		{"negative rate", "key", 1, -1, baseTime},
		{"NaN rate", "key", 1, math.NaN(), baseTime},
		{"infinite rate", "key", 1, math.Inf(1), baseTime},
		{"zero time", "key", 1, 1, time.Time{}},
	} {
		ok, _, err := s.RateLimits().Take(t.Context(), tc.key, tc.burst, tc.perSecond, tc.now)
		if err == nil || ok || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("Take with %s = %v, %v; want a plain error", tc.name, ok, err)
		}
	}
}
