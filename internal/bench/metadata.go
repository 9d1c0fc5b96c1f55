package bench

import (
	"net/http"
	"net/url"
)

// MetadataPath is the Matrix server metadata endpoint (Client-Server API v1.15,
// "GET /_matrix/client/v1/auth_metadata"): the first request every OAuth-aware Matrix
// client makes, unauthenticated and cacheable, so its throughput is the server's ceiling.
const MetadataPath = "/_matrix/client/v1/auth_metadata"

// Metadata is the "metadata" scenario: GET the server metadata document, expect 200.
type Metadata struct{}

// Description implements Scenario.
func (Metadata) Description() string { return "GET " + MetadataPath + ", expect 200" }

// NewRequester implements Scenario. The request has no body and never changes, so one
// *http.Request per worker is built here and reused for every call.
func (Metadata) NewRequester(_ int, baseURL *url.URL) (Requester, error) {
	req, err := http.NewRequest(http.MethodGet, baseURL.JoinPath(MetadataPath).String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	return fixedRequest{req: req, expect: Expect{http.StatusOK}}, nil
}

// fixedRequest returns the same bodiless request every time.
type fixedRequest struct {
	req    *http.Request
	expect Expect
}

func (f fixedRequest) Next() (*http.Request, Expect, error) { return f.req, f.expect, nil }
