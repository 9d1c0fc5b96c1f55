package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

func testClientsDeleteUnused(t *testing.T, s store.Store) {
	cutoff := baseTime // stored created_at baseTime is not before it: whole milliseconds
	var old []string
	for i := range 3 {
		c := createDynamic(t, s, dynamicClient(fmt.Sprintf("old-%d", i), fmt.Sprintf("old-%d", i),
			cutoff.Add(-time.Duration(i+1)*time.Hour)))
		old = append(old, c.ID)
	}
	atCutoff := createDynamic(t, s, dynamicClient("at-cutoff", "", cutoff))
	newer := createDynamic(t, s, dynamicClient("newer", "", cutoff.Add(time.Hour)))
	used := createDynamic(t, s, dynamicClient("used", "", cutoff.Add(-48*time.Hour)))
	usedAt := cutoff.Add(-47 * time.Hour)
	if err := s.Clients().MarkUsed(t.Context(), used.ID, usedAt); err != nil {
		t.Fatalf("MarkUsed: %v", err)
	}
	used.FirstUsedAt = stored(usedAt)
	static := client("static", model.ClientStatic, cutoff.Add(-48*time.Hour))
	syncStatic(t, s, static)

	for _, step := range []struct{ limit, want int }{{0, 0}, {-1, 0}, {2, 2}, {10, 1}, {10, 0}} {
		n, err := s.Clients().DeleteUnusedDynamic(t.Context(), cutoff, step.limit)
		if err != nil || n != step.want {
			t.Fatalf("DeleteUnusedDynamic(limit %d) = %d, %v; want %d", step.limit, n, err, step.want)
		}
		if step.limit == 2 { // the oldest two went first
			assertNotFound(t, s, old[2])
			assertNotFound(t, s, old[1])
		}
	}
	assertNotFound(t, s, old[0])
	assertClients(t, s, model.ClientDynamic, atCutoff, newer, used)
	assertClients(t, s, model.ClientStatic, storedClient(static))
}

// testClientsReRegistration: an identical registration hands out the existing client_id, and
// from then on the cleanup counts the client's age from that registration, so it cannot delete
// the client under the one that just received it.
func testClientsReRegistration(t *testing.T, s store.Store) {
	first := createDynamic(t, s, dynamicClient("first", "same-digest", baseTime.Add(-48*time.Hour)))
	again, created, err := s.Clients().CreateDynamic(t.Context(), dynamicClient("second", "same-digest", baseTime))
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("CreateDynamic with a known digest = %s, created %v, %v; want %s", again.ID, created, err, first.ID)
	}
	if !again.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("re-registration changed created_at: %v, want %v", again.CreatedAt, first.CreatedAt)
	}
	// An older re-registration does not move the registration time back.
	if _, _, err := s.Clients().CreateDynamic(t.Context(), dynamicClient("third", "same-digest", baseTime.Add(-72*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Clients().DeleteUnusedDynamic(t.Context(), baseTime.Add(-time.Hour), 10); err != nil || n != 0 {
		t.Fatalf("DeleteUnusedDynamic before the re-registration = %d, %v; want 0", n, err)
	}
	if n, err := s.Clients().DeleteUnusedDynamic(t.Context(), baseTime.Add(time.Millisecond), 10); err != nil || n != 1 {
		t.Fatalf("DeleteUnusedDynamic after the re-registration = %d, %v; want 1", n, err)
	}
	assertNotFound(t, s, first.ID)
}
