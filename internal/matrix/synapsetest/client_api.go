package synapsetest

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// supportedVersions is what GET /_matrix/client/versions advertises; v1.15 is the first
// spec version with the OAuth 2.0 API, and v1.15–v1.18 are those clients check for.
var supportedVersions = []string{
	"r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1",
	"v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10",
	"v1.11", "v1.12", "v1.13", "v1.14", "v1.15", "v1.16", "v1.17", "v1.18",
}

func (s *Server) versions(w http.ResponseWriter, _ *http.Request) *apiError {
	writeJSON(w, http.StatusOK, map[string]any{"versions": supportedVersions, "unstable_features": map[string]bool{}})
	return nil
}

// authMetadata passes mxauth's discovery document through unchanged
// (synapse/rest/client/auth_metadata.py); a failure to load it is an unexpected exception.
func (s *Server) authMetadata(w http.ResponseWriter, r *http.Request) *apiError {
	md, err := s.loadMetadata(r.Context())
	if err != nil {
		return internalError()
	}
	w.Header().Set("Cache-Control", "public, max-age=600, s-maxage=3600, stale-while-revalidate=600")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(md.raw)
	return nil
}

func (s *Server) authIssuer(w http.ResponseWriter, r *http.Request) *apiError {
	md, err := s.loadMetadata(r.Context())
	if err != nil {
		return internalError()
	}
	writeJSON(w, http.StatusOK, map[string]string{"issuer": md.issuer})
	return nil
}

// clientWellKnown is synapse/rest/well_known.py with MAS enabled. base_url is
// public_baseurl, which Synapse always ends with a slash.
func (s *Server) clientWellKnown(w http.ResponseWriter, r *http.Request) *apiError {
	md, err := s.loadMetadata(r.Context())
	if err != nil {
		return internalError()
	}
	base := s.URL()
	if base == "" { // served without Start: the URL the client used
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"m.homeserver": map[string]string{"base_url": base + "/"},
		"org.matrix.msc2965.authentication": map[string]string{
			"issuer": md.issuer, "account": md.accountManagementURI,
		},
	})
	return nil
}

// requester is who a client request authenticated as.
type requester struct {
	localpart string
	deviceID  string // "" when the token names no device
}

// authenticate is MasDelegatedAuth.get_user_by_access_token, step by step (SYNAPSE.md §1.2).
func (s *Server) authenticate(r *http.Request) (requester, *apiError) {
	token, apiErr := accessToken(r)
	if apiErr != nil {
		return requester{}, apiErr
	}
	result, err := s.introspect(r.Context(), token)
	if err != nil {
		return requester{}, newError(http.StatusServiceUnavailable, codeUnknown, "Unable to introspect the access token")
	}
	if !result.isActive(s.clock.Now()) {
		return requester{}, invalidToken("Token is not active")
	}
	scopes := map[string]bool{}
	for _, scope := range strings.Split(result.scope, " ") {
		if scope != "" {
			scopes[scope] = true
		}
	}
	if !scopes[scopeAPIStable] && !scopes[scopeAPIUnstable] {
		return requester{}, invalidToken("Token doesn't grant access to the Matrix C-S API")
	}
	if result.username == nil {
		return requester{}, authError(http.StatusInternalServerError, "Invalid username claim in the introspection result")
	}
	who := requester{localpart: *result.username}
	s.mu.Lock()
	_, exists := s.users[who.localpart]
	s.mu.Unlock()
	if !exists {
		return requester{}, authError(http.StatusInternalServerError, "User not found")
	}

	// The explicit device_id (compat sessions), else the single device scope.
	hasDevice := result.deviceID != nil
	if hasDevice {
		who.deviceID = *result.deviceID
	} else {
		devices := map[string]bool{}
		for scope := range scopes {
			if id, ok := strings.CutPrefix(scope, scopeDeviceUnstPrefix); ok {
				devices[id] = true
			} else if id, ok := strings.CutPrefix(scope, scopeDevicePrefix); ok {
				devices[id] = true
			}
		}
		if len(devices) > 1 {
			return requester{}, authError(http.StatusInternalServerError, "Multiple device IDs in scope")
		}
		for id := range devices {
			who.deviceID, hasDevice = id, true
		}
	}
	if !hasDevice {
		return who, nil
	}
	if n := utf8.RuneCountInString(who.deviceID); n < 1 || n > 255 {
		return requester{}, authError(http.StatusInternalServerError, "Invalid device ID in introspection result")
	}
	// The device must exist: logging out deletes it, which ends the token at once despite
	// the cache, so the cache entry goes too.
	s.mu.Lock()
	u := s.users[who.localpart]
	deviceExists := u != nil && u.devices[who.deviceID] != nil
	if !deviceExists {
		delete(s.introspections, token)
	}
	s.mu.Unlock()
	if !deviceExists {
		return requester{}, invalidToken("Token is not active")
	}
	return who, nil
}

// whoami is WhoamiRestServlet: device_id only when the token has a device.
func (s *Server) whoami(w http.ResponseWriter, r *http.Request) *apiError {
	who, err := s.authenticate(r)
	if err != nil {
		return err
	}
	answer := map[string]any{"user_id": s.userID(who.localpart), "is_guest": false}
	if who.deviceID != "" {
		answer["device_id"] = who.deviceID
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}
