package synapsetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// This file is MasDelegatedAuth (synapse/api/auth/mas.py, SYNAPSE.md §1.2): how Synapse
// learns mxauth's metadata and validates client access tokens by introspecting them.

// introspectionCacheTTL is the ResponseCache timeout of "mas_token_introspection".
const introspectionCacheTTL = 2 * time.Minute

// maxFetchedBytes is the response_limit Synapse sets on introspection answers.
const maxFetchedBytes = 1 << 20

// Scopes of the Matrix Client-Server API (MSC2967, stable and unstable forms).
const (
	scopeAPIStable        = "urn:matrix:client:api:*"
	scopeAPIUnstable      = "urn:matrix:org.matrix.msc2967.client:api:*"
	scopeDevicePrefix     = "urn:matrix:client:device:"
	scopeDeviceUnstPrefix = "urn:matrix:org.matrix.msc2967.client:device:"
)

// serverMetadata is ServerMetadata: the discovery document with the two fields Synapse
// requires as strict strings; raw is the whole document, passed through to clients.
type serverMetadata struct {
	raw                  []byte
	issuer               string
	accountManagementURI string
}

// loadMetadata returns mxauth's discovery document, fetched once and then kept, as
// RetryOnExceptionCachedCall keeps it: a failure is not cached, the next call retries.
func (s *Server) loadMetadata(ctx context.Context) (*serverMetadata, error) {
	s.mu.Lock()
	cached, endpoint := s.cachedMetadata, s.masEndpoint
	s.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	if endpoint == "" {
		return nil, errors.New("SetMAS was not called")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	raw, err := s.fetch(req)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, errors.New("the metadata is not a JSON object")
	}
	md := &serverMetadata{}
	if json.Unmarshal(fields["issuer"], &md.issuer) != nil || !strictStr.accepts(fields["issuer"]) {
		return nil, errors.New("issuer: Input should be a valid string")
	}
	if json.Unmarshal(fields["account_management_uri"], &md.accountManagementURI) != nil ||
		!strictStr.accepts(fields["account_management_uri"]) {
		return nil, errors.New("account_management_uri: Input should be a valid string")
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, raw) // raw is valid JSON
	md.raw = compact.Bytes()
	s.mu.Lock()
	if s.masEndpoint == endpoint {
		s.cachedMetadata = md
	}
	s.mu.Unlock()
	return md, nil
}

// fetch sends req and returns a 2xx answer's body; anything else is an error, as
// HttpResponseException is in Synapse.
func (s *Server) fetch(req *http.Request) ([]byte, error) {
	resp, err := s.outbound.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchedBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxFetchedBytes {
		return nil, errors.New("answer over the response limit")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("answered %d", resp.StatusCode)
	}
	return raw, nil
}

// introspection is IntrospectionResponse, with the fields Synapse reads.
type introspection struct {
	retrievedAt time.Time
	active      bool
	scope       string
	username    *string
	deviceID    *string
	expiresIn   *int64
}

// isActive is IntrospectionResponse.is_active: a missing expires_in never expires (compat
// tokens rely on it).
func (i introspection) isActive(now time.Time) bool {
	if !i.active {
		return false
	}
	switch {
	case i.expiresIn == nil:
		return true
	case *i.expiresIn > maxLifetimeSeconds: // beyond what a time.Duration holds
		return true
	case *i.expiresIn < -maxLifetimeSeconds:
		return false
	}
	return now.Before(i.retrievedAt.Add(time.Duration(*i.expiresIn) * time.Second))
}

// maxLifetimeSeconds (about 272 years) keeps expires_in*time.Second from overflowing.
const maxLifetimeSeconds = 1 << 33

// introspect returns the cached result for token or asks mxauth. Only answers that parse are
// cached, inactive ones included, for two minutes.
func (s *Server) introspect(ctx context.Context, token string) (introspection, error) {
	now := s.clock.Now()
	s.mu.Lock()
	cached, ok := s.introspections[token]
	endpoint := s.masEndpoint
	s.mu.Unlock()
	if ok && now.Before(cached.retrievedAt.Add(introspectionCacheTTL)) {
		return cached, nil
	}
	if endpoint == "" {
		return introspection{}, errors.New("SetMAS was not called")
	}
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/oauth2/introspect", strings.NewReader(form))
	if err != nil {
		return introspection{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.secret)
	req.Header.Set("X-MAS-Supports-Device-Id", "1")
	raw, err := s.fetch(req)
	if err != nil {
		return introspection{}, err
	}
	result, err := parseIntrospection(raw, s.clock.Now())
	if err != nil {
		return introspection{}, err
	}
	s.mu.Lock()
	for t, entry := range s.introspections { // keep the cache from growing without bound
		if !now.Before(entry.retrievedAt.Add(introspectionCacheTTL)) {
			delete(s.introspections, t)
		}
	}
	if s.masEndpoint == endpoint {
		s.introspections[token] = result
	}
	s.mu.Unlock()
	return result, nil
}

// parseIntrospection validates an answer like IntrospectionResponse(retrieved_at_ms=...,
// **answer): strict types, so an expires_in of 3600.0 or "3600" fails, and an answer that
// carries its own retrieved_at_ms is a duplicate keyword argument.
func parseIntrospection(raw []byte, now time.Time) (introspection, error) {
	var fields map[string]json.RawMessage
	if !json.Valid(raw) || json.Unmarshal(raw, &fields) != nil || fields == nil {
		return introspection{}, errors.New("not a JSON object")
	}
	if _, ok := fields["retrieved_at_ms"]; ok {
		return introspection{}, errors.New("got multiple values for keyword argument 'retrieved_at_ms'")
	}
	result := introspection{retrievedAt: now}
	activeRaw, ok := fields["active"]
	if !ok || !strictBool.accepts(activeRaw) {
		return introspection{}, errors.New("active: a boolean is required")
	}
	result.active = string(bytes.TrimSpace(activeRaw)) == "true"
	var err error
	optionalString := func(name string) *string {
		v, present := fields[name]
		if !present || isNull(v) {
			return nil
		}
		var s string
		if !strictStr.accepts(v) || json.Unmarshal(v, &s) != nil {
			err = fmt.Errorf("%s: Input should be a valid string", name)
			return nil
		}
		return &s
	}
	if scope := optionalString("scope"); scope != nil {
		result.scope = *scope
	}
	result.username = optionalString("username")
	result.deviceID = optionalString("device_id")
	optionalString("sub")
	if err != nil {
		return introspection{}, err
	}
	if v, present := fields["expires_in"]; present && !isNull(v) {
		seconds, err := strictInt(v)
		if err != nil {
			return introspection{}, fmt.Errorf("expires_in: %w", err)
		}
		result.expiresIn = &seconds
	}
	return result, nil
}

// strictInt accepts a JSON integer literal only (StrictInt: no float, string or bool).
// Python ints are unbounded, so one too large for int64 is clamped rather than refused.
func strictInt(raw json.RawMessage) (int64, error) {
	text := string(bytes.TrimSpace(raw))
	digits := strings.TrimPrefix(text, "-")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, errors.New("Input should be a valid integer")
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil { // only a range error is left
		if strings.HasPrefix(text, "-") {
			return math.MinInt64, nil
		}
		return math.MaxInt64, nil
	}
	return n, nil
}
