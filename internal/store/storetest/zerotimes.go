package storetest

import (
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// testZeroTimes: a zero time means "never" when read back, so writing one as the time
// something happened is refused instead of stored (a session "ended" at the zero time would
// read as active; a client "used" then would read as unused yet never be cleaned up).
func testZeroTimes(t *testing.T, s store.Store) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := model.Client{ID: "zero-times-client", Origin: model.ClientDynamic, CreatedAt: now,
		Metadata: model.ClientMetadata{ClientURI: "https://zero.example/", TokenEndpointAuthMethod: model.AuthNone}}
	if _, _, err := s.Clients().CreateDynamic(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if err := s.Clients().MarkUsed(t.Context(), c.ID, time.Time{}); err == nil {
		t.Error("MarkUsed accepted the zero time")
	}
	if err := s.Sessions().End(t.Context(), "any-session", time.Time{}); err == nil {
		t.Error("End accepted the zero time")
	}
}
