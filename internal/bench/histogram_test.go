package bench

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const us = time.Microsecond

// TestBucketsTileTheRange checks the bucket layout itself: buckets are contiguous, every value
// maps to the bucket whose bounds contain it, and no bucket is wider than 1/subBuckets of its
// lower bound, which is the error bound Percentile promises.
func TestBucketsTileTheRange(t *testing.T) {
	t.Parallel()
	for i := range numBuckets {
		low, high := bucketBounds(i)
		if i > 0 {
			_, prevHigh := bucketBounds(i - 1)
			if low != prevHigh+1 {
				t.Fatalf("bucket %d starts at %d, previous ends at %d", i, low, prevHigh)
			}
		}
		if got := bucketIndex(low); got != i {
			t.Fatalf("bucketIndex(%d) = %d, want %d", low, got, i)
		}
		if got := bucketIndex(high); got != i {
			t.Fatalf("bucketIndex(%d) = %d, want %d", high, got, i)
		}
		if width := high - low + 1; low > 0 && width > 1 && width*subBuckets > low {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of its lower bound", i, low, high, subBuckets)
		}
	}
	if _, high := bucketBounds(numBuckets - 1); high != maxMicros {
		t.Errorf("last bucket ends at %d, want maxMicros %d", high, maxMicros)
	}
	if got := bucketIndex(maxMicros * 4); got != numBuckets-1 {
		t.Errorf("bucketIndex(beyond max) = %d, want the last bucket %d", got, numBuckets-1)
	}
}

func TestBucketIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		micros   uint64
		want     int
		wantLow  uint64
		wantHigh uint64
	}{
		{micros: 0, want: 0, wantLow: 0, wantHigh: 0},
		{micros: 255, want: 255, wantLow: 255, wantHigh: 255}, // last exact bucket
		{micros: 256, want: 256, wantLow: 256, wantHigh: 257}, // first bucket of width 2
		{micros: 511, want: 383, wantLow: 510, wantHigh: 511},
		{micros: 512, want: 384, wantLow: 512, wantHigh: 515}, // width 4
		{micros: 1000, want: 506, wantLow: 1000, wantHigh: 1003},
		{micros: 50_000, want: 1219, wantLow: 49_920, wantHigh: 50_175},
	}
	for _, tt := range tests {
		got := bucketIndex(tt.micros)
		low, high := bucketBounds(got)
		if got != tt.want || low != tt.wantLow || high != tt.wantHigh {
			t.Errorf("bucketIndex(%d) = %d [%d, %d], want %d [%d, %d]",
				tt.micros, got, low, high, tt.want, tt.wantLow, tt.wantHigh)
		}
	}
}

// series returns n durations from..from+(n-1)*step.
func series(from, step time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = from + time.Duration(i)*step
	}
	return out
}

func repeat(d time.Duration, n int) []time.Duration {
	return series(d, 0, n)
}

func TestPercentiles(t *testing.T) {
	t.Parallel()
	type want struct {
		P50, P90, P99, P999, P100, Max, Mean time.Duration
		Count                                uint64
	}
	tests := []struct {
		name   string
		values []time.Duration
		want   want
	}{
		{
			name: "empty",
			want: want{},
		},
		{
			name:   "single value capped at the exact max, not its bucket top",
			values: []time.Duration{time.Millisecond},
			want: want{P50: time.Millisecond, P90: time.Millisecond, P99: time.Millisecond,
				P999: time.Millisecond, P100: time.Millisecond, Max: time.Millisecond, Mean: time.Millisecond, Count: 1},
		},
		{
			name:   "1..100 µs is exact and nearest-rank",
			values: series(us, us, 100),
			want: want{P50: 50 * us, P90: 90 * us, P99: 99 * us, P999: 100 * us, P100: 100 * us,
				Max: 100 * us, Mean: 50500 * time.Nanosecond, Count: 100},
		},
		{
			name:   "1..1000 µs reports the top of each bucket (errs high)",
			values: series(us, us, 1000),
			// 500 lies in [500, 501]; 900 in [900, 903]; 990 in [988, 991]; 999 in [996, 999].
			want: want{P50: 501 * us, P90: 903 * us, P99: 991 * us, P999: 999 * us, P100: 1000 * us,
				Max: 1000 * us, Mean: 500500 * time.Nanosecond, Count: 1000},
		},
		{
			name:   "heavy tail: 98 fast, 2 slow",
			values: append(repeat(100*us, 98), repeat(50*time.Millisecond, 2)...),
			want: want{P50: 100 * us, P90: 100 * us, P99: 50 * time.Millisecond, P999: 50 * time.Millisecond,
				P100: 50 * time.Millisecond, Max: 50 * time.Millisecond, Mean: 1_098 * us, Count: 100},
		},
		{
			name:   "p99 of exactly 100 values is rank 99, not 100",
			values: append(repeat(10*us, 99), 200*us),
			want: want{P50: 10 * us, P90: 10 * us, P99: 10 * us, P999: 200 * us, P100: 200 * us,
				Max: 200 * us, Mean: 11_900 * time.Nanosecond, Count: 100},
		},
		{
			name:   "sub-microsecond part is truncated in buckets but kept in max and mean",
			values: []time.Duration{1500 * time.Nanosecond, 2500 * time.Nanosecond},
			want: want{P50: 1 * us, P90: 2 * us, P99: 2 * us, P999: 2 * us, P100: 2 * us,
				Max: 2500 * time.Nanosecond, Mean: 2 * us, Count: 2},
		},
		{
			name:   "negative duration counts as zero",
			values: []time.Duration{-time.Second},
			want:   want{Count: 1},
		},
		{
			name:   "beyond the top bucket clamps to the exact max",
			values: []time.Duration{100 * 24 * time.Hour},
			want: want{P50: 100 * 24 * time.Hour, P90: 100 * 24 * time.Hour, P99: 100 * 24 * time.Hour,
				P999: 100 * 24 * time.Hour, P100: 100 * 24 * time.Hour, Max: 100 * 24 * time.Hour,
				Mean: 100 * 24 * time.Hour, Count: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h Histogram
			for _, v := range tt.values {
				h.Record(v)
			}
			got := want{
				P50: h.Percentile(50), P90: h.Percentile(90), P99: h.Percentile(99),
				P999: h.Percentile(99.9), P100: h.Percentile(100),
				Max: h.Max(), Mean: h.Mean(), Count: h.Count(),
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("percentiles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeEqualsRecordingEverythingInOne(t *testing.T) {
	t.Parallel()
	values := append(series(3*us, 7*us, 500), series(2*time.Millisecond, 13*us, 500)...)
	var whole, left, right Histogram
	for i, v := range values {
		whole.Record(v)
		if i%3 == 0 {
			left.Record(v)
		} else {
			right.Record(v)
		}
	}
	left.Merge(&right)
	if left != whole {
		t.Errorf("merged histogram differs: summary %+v, want %+v", Summarize(&left), Summarize(&whole))
	}
	left.Reset()
	if diff := cmp.Diff(LatencySummary{}, Summarize(&left)); diff != "" || left.Count() != 0 {
		t.Errorf("after Reset: count %d, summary (-want +got):\n%s", left.Count(), diff)
	}
}

func TestNearestRank(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q    float64
		n    uint64
		want uint64
	}{
		{q: 50, n: 1, want: 1},
		{q: 0, n: 10, want: 1},
		{q: 50, n: 10, want: 5},
		{q: 51, n: 10, want: 6},
		{q: 99, n: 100, want: 99},
		{q: 99, n: 101, want: 100},
		{q: 99.9, n: 1000, want: 999},
		{q: 99.9, n: 41_000, want: 40_959}, // 99.9*41000/100 lands a hair above 40959 in float64
		{q: 12.3, n: 21_000, want: 2583},
		{q: 99.99, n: 10_000, want: 9999},
		{q: 100, n: 7, want: 7},
		{q: 150, n: 7, want: 7},
	}
	for _, tt := range tests {
		if got := nearestRank(tt.q, tt.n); got != tt.want {
			t.Errorf("nearestRank(%v, %d) = %d, want %d", tt.q, tt.n, got, tt.want)
		}
	}
}
