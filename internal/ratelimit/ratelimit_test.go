package ratelimit

import (
	"strconv"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
)

func TestBurstThenRefill(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	k := New(3, 0.5, clk) // a token every 2 s
	for i := range 3 {
		if ok, _ := k.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, retry := k.Allow("a")
	if ok || retry <= 0 || retry > 2*time.Second {
		t.Fatalf("4th request: ok=%v retry=%v, want refused with retry in (0, 2s]", ok, retry)
	}
	if ok, _ := k.Allow("b"); !ok {
		t.Error("another key shares the bucket")
	}
	clk.Advance(2 * time.Second)
	if ok, _ := k.Allow("a"); !ok {
		t.Error("no token after the refill interval")
	}
	if ok, _ := k.Allow("a"); ok {
		t.Error("refusals consumed no tokens, yet a second token appeared")
	}
}

func TestIdleBucketsAreForgotten(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	k := New(2, 1, clk)
	for i := range sweepEvery - 1 {
		k.Allow(strconv.Itoa(i))
	}
	clk.Advance(time.Minute)
	k.Allow("trigger") // the sweepEvery-th call sweeps
	if n := k.Len(); n != 1 {
		t.Errorf("%d buckets kept, want only the fresh one", n)
	}
}
