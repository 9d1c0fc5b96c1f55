package store

import (
	"math"
	"testing"
	"time"
)

func TestCheckBucket(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		key       string
		burst     int
		perSecond float64
		now       time.Time
		wantErr   string
	}{
		{"valid", "login:@a:x", 5, 0.5, now, ""},
		{"burst of one", "k", 1, 1000, now, ""},
		{"empty key", "", 1, 1, now, "key"},
		{"NUL in key", "k\x00", 1, 1, now, "key"},
		{"zero burst", "k", 0, 1, now, "burst 0"},
		{"zero rate", "k", 1, 0, now, "refill rate"},
		{"negative rate", "k", 1, -1, now, "refill rate"},
		{"NaN rate", "k", 1, math.NaN(), now, "refill rate"},
		{"infinite rate", "k", 1, math.Inf(1), now, "refill rate"},
		{"zero now", "k", 1, 1, time.Time{}, "zero time"},
	}
	for _, tt := range tests {
		assertRefusal(t, tt.name, CheckBucket(tt.key, tt.burst, tt.perSecond, tt.now), tt.wantErr)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	longest := time.Duration(math.MaxInt64/int64(time.Millisecond)) * time.Millisecond
	tests := []struct {
		name      string
		tokens    float64
		perSecond float64
		want      time.Duration
	}{
		{"empty, one per second", 0, 1, time.Second},
		{"half full, two per second", 0.5, 2, 250 * time.Millisecond},
		{"rounded up", 0, 3, 334 * time.Millisecond},
		{"whole milliseconds not rounded up by float error", 0.7, 0.1, 3 * time.Second}, // (1-0.7)*1000/0.1 is 3000.0000000000005
		{"at least a millisecond", 0, 2000, time.Millisecond},
		{"as good as full", TokenAvailable, 1, time.Millisecond},
		{"tiny rate does not overflow", 0, 1e-300, longest},
	}
	for _, tt := range tests {
		if got := RetryAfter(tt.tokens, tt.perSecond); got != tt.want {
			t.Errorf("%s: RetryAfter(%v, %v) = %s, want %s", tt.name, tt.tokens, tt.perSecond, got, tt.want)
		}
	}
}
