package storetest

import (
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// OpenFunc returns a fresh, migrated, empty store and registers its cleanup with t.
type OpenFunc func(t *testing.T) store.Store

// Run runs the whole conformance suite against the backend that open creates.
func Run(t *testing.T, open OpenFunc) {
	t.Run("Schema", func(t *testing.T) { testSchema(t, open) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, open) })
	t.Run("Clients", func(t *testing.T) { testClients(t, open) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("OAuth", func(t *testing.T) { testOAuth(t, open) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("Jobs", func(t *testing.T) { testJobs(t, open) })
	t.Run("RateLimits", func(t *testing.T) { testRateLimits(t, open) })
}

// testCase is one conformance check; it gets a store of its own.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// runParallel runs each case as a parallel subtest with a freshly opened store.
func runParallel(t *testing.T, open OpenFunc, cases []testCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

// baseTime is the suite's reference instant. It carries sub-millisecond digits and a
// non-UTC zone on purpose: backends must truncate to milliseconds and return UTC.
var baseTime = time.Date(2026, 11, 3, 14, 15, 16, 123_456_789, time.FixedZone("UTC+2", 2*60*60))

// stored is what a backend must give back for a time written as t.
func stored(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }
