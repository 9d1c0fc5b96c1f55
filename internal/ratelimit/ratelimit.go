package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/mxauth/mxauth/internal/clock"
)

// sweepEvery is how many calls pass between sweeps of idle buckets.
const sweepEvery = 1024

// Keyed is a set of token buckets, one per key, all with the same rate and burst.
type Keyed struct {
	limit rate.Limit
	burst int
	clock clock.Clock
	// idle is how long an untouched bucket takes to refill completely; after that it is
	// the same as a new bucket and can be forgotten.
	idle time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// New returns buckets that allow burst requests at once and perSecond on average.
func New(burst int, perSecond float64, clk clock.Clock) *Keyed {
	idle := time.Duration(math.Ceil(float64(burst)/perSecond)) * time.Second
	return &Keyed{limit: rate.Limit(perSecond), burst: burst, clock: clk, idle: idle, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket. When the bucket is empty it returns false and
// how long until a token is available (for Retry-After).
func (k *Keyed) Allow(key string) (bool, time.Duration) {
	now := k.clock.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls++
	if k.calls%sweepEvery == 0 {
		k.sweep(now)
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

func (k *Keyed) sweep(now time.Time) {
	for key, b := range k.buckets {
		if now.Sub(b.last) > k.idle {
			delete(k.buckets, key)
		}
	}
}

// Len is the number of buckets held, for tests and metrics.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}
