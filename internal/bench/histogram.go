package bench

import (
	"math"
	"math/bits"
	"time"
)

// The histogram is log-linear, in the manner of HDR histograms: values below 2*subBuckets
// microseconds get one bucket each (exact), and every power-of-two range above that is split
// into subBuckets equal buckets, so a bucket is never wider than 1/subBuckets of its lower
// bound (< 0.8 % with 128). That bounds the error of every percentile while keeping the whole
// table small enough (a few tens of KB) to give each worker its own copy and merge at the end,
// so recording a latency is one index computation and one increment, with no lock and no
// allocation.
const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits
	// maxShift covers latencies up to 2^(maxShift+subBucketBits+1) µs, about 25 days;
	// anything longer is clamped into the last bucket.
	maxShift   = 33
	numBuckets = (maxShift + 2) * subBuckets
	maxMicros  = uint64(1)<<(maxShift+subBucketBits+1) - 1
)

// Histogram records latencies with microsecond resolution. The zero value is empty and ready
// to use. It is not safe for concurrent use: give each worker its own and Merge them.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
	sum    time.Duration // exact, for the mean
	max    time.Duration // exact
}

// bucketIndex maps a value in microseconds to its bucket.
func bucketIndex(micros uint64) int {
	if micros > maxMicros {
		micros = maxMicros
	}
	if micros < 2*subBuckets {
		return int(micros)
	}
	// shift is how far micros must move right for its top subBucketBits+1 bits to land
	// in [subBuckets, 2*subBuckets); each shift value owns subBuckets consecutive buckets.
	shift := bits.Len64(micros) - (subBucketBits + 1)
	top := micros >> shift
	return (shift+1)*subBuckets + int(top-subBuckets)
}

// bucketBounds returns the lowest and highest microsecond values that map to bucket i.
func bucketBounds(i int) (low, high uint64) {
	if i < 2*subBuckets {
		return uint64(i), uint64(i)
	}
	shift := i/subBuckets - 1
	top := uint64(i%subBuckets + subBuckets)
	return top << shift, (top+1)<<shift - 1
}

// Record adds one latency. Negative durations (impossible with a monotonic clock) count as 0.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketIndex(uint64(d/time.Microsecond))]++
	h.total++
	h.sum += d
	if d > h.max {
		h.max = d
	}
}

// Merge adds every value recorded in other to h.
func (h *Histogram) Merge(other *Histogram) {
	for i, c := range other.counts {
		h.counts[i] += c
	}
	h.total += other.total
	h.sum += other.sum
	if other.max > h.max {
		h.max = other.max
	}
}

// Reset empties the histogram, keeping its storage.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Max is the largest recorded value, exact.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean is the arithmetic mean of the recorded values, exact; 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return h.sum / time.Duration(h.total)
}

// Percentile returns the nearest-rank q-th percentile (0 < q <= 100): the smallest recorded
// value such that at least q % of all values are less than or equal to it. The result is the
// upper bound of that value's bucket (so it errs high, never low, as HDR histograms do),
// capped at the exact maximum. It returns 0 when the histogram is empty.
func (h *Histogram) Percentile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := nearestRank(q, h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if i == numBuckets-1 {
				return h.max // the last bucket also holds every clamped value
			}
			_, high := bucketBounds(i)
			d := time.Duration(high) * time.Microsecond
			// The top of a bucket can lie above every value in it; the exact max is a
			// tighter bound for the last bucket and keeps p100 == max.
			return min(d, h.max)
		}
	}
	return h.max
}

// nearestRank is ceil(q/100 * n), clamped to [1, n]. The small epsilon keeps a rank that is
// an integer in exact arithmetic (p99 of 100 values is rank 99) from rounding up to the next
// one because q*n/100 is not exact in floating point.
func nearestRank(q float64, n uint64) uint64 {
	r := math.Ceil(q*float64(n)/100 - 1e-9)
	switch {
	case r < 1:
		return 1
	case r > float64(n):
		return n
	default:
		return uint64(r)
	}
}
