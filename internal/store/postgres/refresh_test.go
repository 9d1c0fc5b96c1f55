package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRetryAborted: a transaction that PostgreSQL aborted to break a deadlock or a
// serialization failure runs again, at most abortedAttempts times in all; any other outcome
// is final. (The conformance suite cannot provoke a deadlock on demand.)
func TestRetryAborted(t *testing.T) {
	t.Parallel()
	deadlock := fmt.Errorf("refresh: %w", &pgconn.PgError{Code: sqlstateDeadlockDetected})
	serialization := &pgconn.PgError{Code: sqlstateSerializationFailure}
	unique := &pgconn.PgError{Code: sqlstateUniqueViolation}
	other := errors.New("connection reset")
	tests := []struct {
		name      string
		results   []error // what each attempt returns; the last repeats
		wantCalls int
		wantErr   error
	}{
		{"success", []error{nil}, 1, nil},
		{"deadlock, then success", []error{deadlock, nil}, 2, nil},
		{"serialization failure, then success", []error{serialization, serialization, nil}, 3, nil},
		{"always deadlocked", []error{deadlock}, abortedAttempts, deadlock},
		{"unique violation is final", []error{unique, nil}, 1, unique},
		{"other error is final", []error{other, nil}, 1, other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			err := retryAborted(func() error {
				result := tt.results[min(calls, len(tt.results)-1)]
				calls++
				return result
			})
			if calls != tt.wantCalls || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("retryAborted: %d attempts, error %v; want %d attempts, error %v", calls, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
}
