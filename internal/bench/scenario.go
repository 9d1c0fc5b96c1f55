package bench

import (
	"context"
	"net/http"
	"net/url"
	"slices"
)

// Scenario is one kind of load: which requests to send and what counts as success.
//
// A scenario that needs state before the run (a registered client, a pool of minted tokens)
// also implements SetupStep. Per-worker state (a token chain that rotates on every refresh)
// lives in the Requester that NewRequester returns.
type Scenario interface {
	// Description is one line for the usage message.
	Description() string
	// NewRequester is called once per worker, after Setup, before the warm-up.
	NewRequester(worker int, baseURL *url.URL) (Requester, error)
}

// SetupStep is implemented by scenarios that prepare the server before the run. Setup runs
// once, after the target has answered the reachability probe and before any worker starts;
// an error aborts the run.
type SetupStep interface {
	Setup(ctx context.Context, target Target) error
}

// Target is what a SetupStep may use to talk to the server under test.
type Target struct {
	BaseURL *url.URL
	// Client is a plain HTTP/1.1 client with the run's per-request timeout; it does not
	// follow redirects, so a setup step sees exactly what the server answered.
	Client *http.Client
}

// Requester produces one worker's requests. Each worker owns its Requester; calls never overlap.
type Requester interface {
	// Next returns the next request and the status codes that count as success.
	//
	// The runner has written the previous request and read its whole response before it
	// calls Next again, and never modifies a request, so a requester may return the same
	// *http.Request every time as long as it has no body. A body is consumed and closed when
	// the request is written, so a request with a body needs a fresh one on every call. The
	// run's timeout bounds each exchange. An error stops the run.
	Next() (*http.Request, Expect, error)
}

// ResponseReader is implemented by requesters whose next request depends on the previous
// response, such as refresh-token rotation (RFC 6749 §6: each refresh returns the token to
// spend next). The runner calls ReadResponse for every response with an expected status,
// before draining what is left of the body, and counts an error as an unexpected response.
type ResponseReader interface {
	ReadResponse(resp *http.Response) error
}

// Expect is the set of status codes that count as success for one request.
type Expect []int

// Allows reports whether status is one of the expected codes.
func (e Expect) Allows(status int) bool { return slices.Contains(e, status) }

// Registry maps a scenario name (the command-line argument) to its scenario.
type Registry map[string]Scenario

// Names returns the registered names, sorted, for usage messages.
func (r Registry) Names() []string {
	names := make([]string, 0, len(r))
	for name := range r {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// DefaultRegistry returns a new registry of every built-in scenario. It is a function, not a
// package variable, so that a scenario's setup state never outlives one run.
func DefaultRegistry() Registry {
	return Registry{
		"exchange":        &Exchange{},
		"introspect":      &Introspect{},
		"metadata":        Metadata{},
		"refresh":         &Refresh{},
		"register":        Register{},
		"register-unique": Register{Unique: true},
	}
}
