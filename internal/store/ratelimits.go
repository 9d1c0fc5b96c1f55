package store

import (
	"context"
	"fmt"
	"math"
	"time"
)

// RateLimitStore keeps token buckets that must hold across replicas (e.g. logins per account).
type RateLimitStore interface {
	// Take removes one token from the bucket named key, refilled at perSecond up to burst
	// (a missing bucket starts full), in one atomic statement or transaction. allowed is false
	// when the bucket is empty; then nothing is taken and retryAfter says when one token will
	// be there (rounded up to a whole millisecond, at least 1ms). Concurrent Takes on one key
	// never let more than the bucket allows through.
	Take(ctx context.Context, key string, burst int, perSecond float64, now time.Time) (allowed bool, retryAfter time.Duration, err error)
	// DeleteIdle deletes at most limit buckets last touched before cutoff (a bucket untouched
	// long enough is full again, which a missing bucket also means) and returns how many.
	DeleteIdle(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Both backends keep a bucket as the tokens it held at its last take and the time of that
// take (milliseconds), and compute what it holds at now in SQL, inside the statement that
// takes the token, as
//
//	min(burst, tokens + max(0, now - updated_at) * perSecond / 1000)
//
// A now earlier than the last take (replicas whose clocks disagree) refills nothing, and a
// take keeps the later of the two times, so a slow clock never earns extra tokens.

// TokenAvailable is the least a bucket must hold for Take to take a token: one, less a
// margin for floating-point rounding, so that a caller who waits exactly the RetryAfter the
// store gave finds the token there even if the refill arithmetic rounds 1 down to 0.999….
// The margin is far below what a millisecond of refill adds at any sane rate.
const TokenAvailable = 1 - 1e-9

// CheckBucket refuses a Take that describes no usable bucket: the key names the bucket
// (IsStorableKey), a bucket holds at least one token, and it refills at a finite, positive
// rate. A refusal is a plain error, like every input rule of the store.
func CheckBucket(key string, burst int, perSecond float64, now time.Time) error {
	switch {
	case !IsStorableKey(key):
		return fmt.Errorf("store: rate-limit bucket key %q is empty, not UTF-8 or contains NUL", key)
	case burst < 1:
		return fmt.Errorf("store: rate-limit bucket %q: burst %d, want at least 1", key, burst)
	case !(perSecond > 0) || math.IsInf(perSecond, 0):
		return fmt.Errorf("store: rate-limit bucket %q: refill rate %v per second, want a positive number", key, perSecond)
	}
	return CheckTimeIsSet("rate-limit time", now)
}

// RetryAfter is how long a bucket holding tokens (less than one) takes to refill one token
// at perSecond, rounded up to a whole millisecond and at least one: the retryAfter of a
// refused Take. It counts up to TokenAvailable, the very threshold Take applies, so that a
// wait that is a whole number of milliseconds is not rounded up a millisecond too far by
// floating-point error, and a caller who waits exactly this long gets the token. A rate so
// small that the wait overflows time.Duration (about 292 years) gives the longest
// whole-millisecond duration instead.
func RetryAfter(tokens, perSecond float64) time.Duration {
	const longestMillis = math.MaxInt64 / int64(time.Millisecond)
	ms := math.Ceil((TokenAvailable - tokens) * 1000 / perSecond)
	switch {
	case math.IsNaN(ms) || ms < 1:
		return time.Millisecond
	case ms >= float64(longestMillis):
		return time.Duration(longestMillis) * time.Millisecond
	}
	return time.Duration(ms) * time.Millisecond
}
