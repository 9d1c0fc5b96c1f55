package activity

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/store"
)

func TestSessionActivityKeepsTheLatestAndTheLastKnownIP(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	b := newBuffer(t, s, nil)
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	b.SessionActive("s1", t0.Add(time.Minute), "192.0.2.1")
	b.SessionActive("s1", t0, "192.0.2.9")           // older: ignored
	b.SessionActive("s1", t0.Add(2*time.Minute), "") // newer, no address: keeps the address
	b.SessionActive("s2", t0, "")
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[string]store.SessionActivity{
		"s1": {SessionID: "s1", At: t0.Add(2 * time.Minute), IP: "192.0.2.1"},
		"s2": {SessionID: "s2", At: t0},
	}
	if diff := cmp.Diff(want, s.sessions); diff != "" {
		t.Fatalf("stored activity (-want +got):\n%s", diff)
	}
}

func TestSessionActivitySurvivesAFailedFlush(t *testing.T) {
	t.Parallel()
	s := newRecordingStore()
	b := newBuffer(t, s, nil)
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	b.SessionActive("s1", t0, "192.0.2.1")
	s.mu.Lock()
	s.fail = errors.New("database down")
	s.mu.Unlock()
	if err := b.Flush(context.Background()); err == nil {
		t.Fatal("no error from a failed flush")
	}
	b.SessionActive("s1", t0.Add(time.Second), "")
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.sessions["s1"]; !got.At.Equal(t0.Add(time.Second)) || got.IP != "192.0.2.1" {
		t.Fatalf("after recovery: %+v", got)
	}
}
