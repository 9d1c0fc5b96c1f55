package activity

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/store"
)

// recordingStore is a hand-written fake of the one-method Store: the tests are about how the
// buffer batches its calls and survives failures, which a real database cannot show or cause.
// It keeps, like the real stores, the first time written for each ID.
type recordingStore struct {
	mu    sync.Mutex
	calls []call
	first map[string]time.Time
	// sessions keeps the latest activity written for each session, as the real stores do.
	sessions map[string]store.SessionActivity
	fail     error         // returned (and nothing written) while set
	wrote    chan struct{} // receives a value after each successful call, if not nil
}

type call struct {
	IDs []string
	At  time.Time
}

func newRecordingStore() *recordingStore {
	return &recordingStore{first: map[string]time.Time{}, sessions: map[string]store.SessionActivity{}}
}

func (s *recordingStore) RecordActivity(_ context.Context, activity []store.SessionActivity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, a := range activity {
		if seen, ok := s.sessions[a.SessionID]; !ok || a.At.After(seen.At) {
			if a.IP == "" {
				a.IP = seen.IP
			}
			s.sessions[a.SessionID] = a
		}
	}
	return nil
}

func (s *recordingStore) MarkAccessTokensUsed(_ context.Context, ids []string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.calls = append(s.calls, call{IDs: slices.Clone(ids), At: t})
	for _, id := range ids {
		if _, ok := s.first[id]; !ok {
			s.first[id] = t
		}
	}
	if s.wrote != nil {
		select {
		case s.wrote <- struct{}{}:
		default:
		}
	}
	return nil
}

func (s *recordingStore) snapshot() ([]call, map[string]time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls), maps.Clone(s.first)
}

func newBuffer(t *testing.T, s Store, edit func(*Options)) *Buffer {
	t.Helper()
	opts := Options{Store: s}
	if edit != nil {
		edit(&opts)
	}
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestFlushBatches(t *testing.T) {
	t.Parallel()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name      string
		batchSize int
		uses      []use
		want      []call
	}{
		{name: "nothing pending", batchSize: 10, uses: nil, want: nil},
		{
			name: "one second, one call at the latest time", batchSize: 10,
			uses: []use{{"b", at(300)}, {"a", at(100)}, {"c", at(999)}},
			want: []call{{IDs: []string{"a", "b", "c"}, At: at(999)}},
		},
		{
			name: "two seconds, two calls", batchSize: 10,
			uses: []use{{"a", at(100)}, {"b", at(1100)}, {"c", at(1500)}},
			want: []call{{IDs: []string{"a"}, At: at(100)}, {IDs: []string{"b", "c"}, At: at(1500)}},
		},
		{
			name: "a second larger than a batch is split", batchSize: 2,
			uses: []use{{"a", at(1)}, {"b", at(2)}, {"c", at(3)}, {"d", at(4)}, {"e", at(5)}},
			want: []call{
				{IDs: []string{"a", "b"}, At: at(2)},
				{IDs: []string{"c", "d"}, At: at(4)},
				{IDs: []string{"e"}, At: at(5)},
			},
		},
		{
			name: "the earliest time of a token wins", batchSize: 10,
			uses: []use{{"a", at(2500)}, {"a", at(200)}, {"a", at(3000)}},
			want: []call{{IDs: []string{"a"}, At: at(200)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newRecordingStore()
			b := newBuffer(t, s, func(o *Options) { o.BatchSize = tt.batchSize })
			for _, u := range tt.uses {
				b.AccessTokenUsed(u.id, u.at)
			}
			if err := b.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			calls, _ := s.snapshot()
			if diff := cmp.Diff(tt.want, calls); diff != "" {
				t.Errorf("store calls (-want +got):\n%s", diff)
			}
			if n := b.Pending(); n != 0 {
				t.Errorf("%d pending after Flush", n)
			}
			// A second flush has nothing to write.
			if err := b.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if again, _ := s.snapshot(); len(again) != len(calls) {
				t.Errorf("a second Flush wrote again: %v", again[len(calls):])
			}
		})
	}
}

func TestMaxPendingDropsNewTokens(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	b := newBuffer(t, s, func(o *Options) { o.MaxPending = 3 })
	for i := range 5 {
		b.AccessTokenUsed(fmt.Sprint("t", i), t0)
	}
	b.AccessTokenUsed("t0", t0.Add(-time.Second)) // known tokens are still updated
	if got, want := b.Pending(), 3; got != want {
		t.Errorf("Pending = %d, want %d", got, want)
	}
	if got, want := b.Dropped(), uint64(2); got != want {
		t.Errorf("Dropped = %d, want %d", got, want)
	}
	if err := b.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, first := s.snapshot()
	want := map[string]time.Time{"t0": t0.Add(-time.Second), "t1": t0, "t2": t0}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	// Room again after the flush: the dropped tokens are recorded on their next use.
	b.AccessTokenUsed("t3", t0)
	if b.Pending() != 1 {
		t.Errorf("Pending = %d after a flush made room, want 1", b.Pending())
	}
}

func TestFlushFailureKeepsUses(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	b := newBuffer(t, s, nil)
	b.AccessTokenUsed("a", t0)
	b.AccessTokenUsed("b", t0.Add(2*time.Second))
	down := errors.New("database is down")
	s.fail = down
	if err := b.Flush(t.Context()); !errors.Is(err, down) {
		t.Fatalf("Flush = %v, want the store's error", err)
	}
	if b.Pending() != 2 {
		t.Fatalf("Pending = %d after a failed flush, want 2", b.Pending())
	}
	// Seen again meanwhile, earlier than recorded: the earlier time wins.
	b.AccessTokenUsed("b", t0.Add(time.Second))
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	if err := b.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, first := s.snapshot()
	want := map[string]time.Time{"a": t0, "b": t0.Add(time.Second)}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
}

// runBuffer starts Run and returns a function that stops it and returns its error.
func runBuffer(t *testing.T, b *Buffer) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func waitForWrite(t *testing.T, s *recordingStore, what string) {
	t.Helper()
	select {
	case <-s.wrote:
	case <-time.After(10 * time.Second):
		t.Fatalf("no flush: %s", what)
	}
}

func TestRunFlushesOnTheTick(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	s.wrote = make(chan struct{}, 1)
	b := newBuffer(t, s, func(o *Options) { o.FlushInterval = 10 * time.Millisecond })
	runBuffer(t, b)
	b.AccessTokenUsed("a", t0)
	waitForWrite(t, s, "the tick did not flush")
	if _, first := s.snapshot(); !first["a"].Equal(t0) {
		t.Errorf("written %v, want a at %v", first, t0)
	}
}

func TestRunFlushesAFullBatchAtOnce(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	s.wrote = make(chan struct{}, 1)
	b := newBuffer(t, s, func(o *Options) { o.FlushInterval = time.Hour; o.BatchSize = 3 })
	runBuffer(t, b)
	b.AccessTokenUsed("a", t0)
	b.AccessTokenUsed("b", t0)
	b.AccessTokenUsed("c", t0)
	waitForWrite(t, s, "a full batch waited for the tick")
	calls, _ := s.snapshot()
	if diff := cmp.Diff([]call{{IDs: []string{"a", "b", "c"}, At: t0}}, calls); diff != "" {
		t.Errorf("store calls (-want +got):\n%s", diff)
	}
}

func TestRunFlushesAtShutdown(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	b := newBuffer(t, s, func(o *Options) { o.FlushInterval = time.Hour })
	stop := runBuffer(t, b)
	b.AccessTokenUsed("a", t0)
	b.AccessTokenUsed("b", t0)
	if calls, _ := s.snapshot(); len(calls) != 0 {
		t.Fatalf("flushed before the interval: %v", calls)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	_, first := s.snapshot()
	if diff := cmp.Diff(map[string]time.Time{"a": t0, "b": t0}, first); diff != "" {
		t.Errorf("written at shutdown (-want +got):\n%s", diff)
	}
}

func TestRunReportsAFailedLastFlush(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	s.fail = errors.New("database is down")
	b := newBuffer(t, s, func(o *Options) { o.FlushInterval = time.Hour })
	stop := runBuffer(t, b)
	b.AccessTokenUsed("a", t0)
	if err := stop(); !errors.Is(err, s.fail) {
		t.Errorf("Run = %v, want the store's error", err)
	}
	if b.Pending() != 1 {
		t.Errorf("Pending = %d, want the unwritten use kept", b.Pending())
	}
}

// TestConcurrentUse records from many goroutines while flushes run; with -race it also checks
// the locking. Every token must end up stored, at one of the times it was seen; a token a
// writer sees again after a flush is written again, which the store ignores (first use wins).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	b := newBuffer(t, s, func(o *Options) { o.FlushInterval = time.Millisecond; o.BatchSize = 7 })
	stop := runBuffer(t, b)
	const writers, tokens = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range tokens {
				// Every writer sees every token, writer w at t0+w ms.
				b.AccessTokenUsed(fmt.Sprint("t", i), t0.Add(time.Duration(w)*time.Millisecond))
			}
		})
	}
	for range 20 {
		if err := b.Flush(t.Context()); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, first := s.snapshot()
	if len(first) != tokens {
		t.Fatalf("%d tokens written, want %d", len(first), tokens)
	}
	for id, at := range first {
		// A flush may take a token before the earliest writer got to it; the time is then
		// one of the writers' times, never another.
		if at.Before(t0) || at.After(t0.Add((writers-1)*time.Millisecond)) {
			t.Errorf("%s written at %v", id, at)
		}
	}
	if b.Pending() != 0 || b.Dropped() != 0 {
		t.Errorf("Pending %d, Dropped %d after shutdown", b.Pending(), b.Dropped())
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := New(Options{Store: newRecordingStore(), BatchSize: -1}); err == nil {
		t.Error("New with a negative batch size succeeded")
	}
	b := newBuffer(t, newRecordingStore(), nil)
	if b.FlushInterval() != DefaultFlushInterval {
		t.Errorf("FlushInterval = %v, want the default %v", b.FlushInterval(), DefaultFlushInterval)
	}
}
