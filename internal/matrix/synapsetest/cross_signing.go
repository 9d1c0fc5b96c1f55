package synapsetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// crossSigningKeyTypes are the keys of POST /keys/device_signing/upload, by body field.
var crossSigningKeyTypes = []struct{ field, usage string }{
	{"master_key", "master"},
	{"self_signing_key", "self_signing"},
	{"user_signing_key", "user_signing"},
}

// uploadSigningKeys is SigningKeyUploadServlet with MAS enabled (SYNAPSE.md §1.4): the same
// keys again are a no-op 200; a first master key needs nothing; replacing one needs MAS's
// allow_cross_signing_reset within the last ten minutes, else a 401 UIA-shaped answer that
// points at mxauth's account page. Signatures are not verified (the stand-in keeps no
// device keys to verify them against); the shape checks of _check_cross_signing_key are.
func (s *Server) uploadSigningKeys(w http.ResponseWriter, r *http.Request) *apiError {
	who, apiErr := s.authenticate(r)
	if apiErr != nil {
		return apiErr
	}
	object, apiErr := readJSONObject(r)
	if apiErr != nil {
		return apiErr
	}
	uploaded := map[string]string{}
	for _, kt := range crossSigningKeyTypes {
		raw, ok := object[kt.field]
		if !ok {
			continue
		}
		if !validCrossSigningKey(raw, s.userID(who.localpart), kt.usage) {
			return newError(http.StatusBadRequest, codeInvalidParam, fmt.Sprintf("Invalid %s key", kt.usage))
		}
		var compact bytes.Buffer
		_ = json.Compact(&compact, raw)
		uploaded[kt.usage] = compact.String()
	}

	s.mu.Lock()
	u := s.users[who.localpart]
	if u == nil { // deleted since authentication
		s.mu.Unlock()
		return internalError()
	}
	different := false
	for usage, key := range uploaded {
		different = different || u.crossSigning[usage] != key
	}
	hasMaster := u.crossSigning["master"] != ""
	approved := s.clock.Now().Before(u.masterReplaceableWithoutUIAUntil)
	switch {
	case !different:
	case hasMaster && !approved:
		s.mu.Unlock()
		return s.crossSigningResetChallenge(w, r)
	case !hasMaster && uploaded["master"] == "":
		s.mu.Unlock()
		return newError(http.StatusBadRequest, codeInvalidSig, "No master key available to verify signature.")
	default:
		if uploaded["master"] != "" && uploaded["master"] != u.crossSigning["master"] {
			// A new master key is a new row, without the old one's approval window.
			u.masterReplaceableWithoutUIAUntil = time.Time{}
		}
		for usage, key := range uploaded {
			u.crossSigning[usage] = key
		}
	}
	s.mu.Unlock()
	writeEmpty(w, http.StatusOK)
	return nil
}

// validCrossSigningKey is _check_cross_signing_key plus the single-key rule: the key belongs
// to the user, is for this usage, and holds exactly one public key.
func validCrossSigningKey(raw json.RawMessage, userID, usage string) bool {
	var key struct {
		UserID string            `json:"user_id"`
		Usage  []string          `json:"usage"`
		Keys   map[string]string `json:"keys"`
	}
	if json.Unmarshal(raw, &key) != nil {
		return false
	}
	return key.UserID == userID && slices.Contains(key.Usage, usage) && len(key.Keys) == 1
}

// crossSigningResetChallenge is the InteractiveAuthIncompleteError Synapse raises instead of
// UIA: flows m.oauth and its MSC4312 unstable name, both pointing at the account page.
func (s *Server) crossSigningResetChallenge(w http.ResponseWriter, r *http.Request) *apiError {
	md, err := s.loadMetadata(r.Context())
	if err != nil {
		return internalError()
	}
	approveAt := md.accountManagementURI + "?action=org.matrix.cross_signing_reset"
	writeJSON(w, http.StatusUnauthorized, map[string]any{
		"session": "dummy",
		"flows": []map[string][]string{
			{"stages": {"m.oauth"}},
			{"stages": {"org.matrix.cross_signing_reset"}},
		},
		"params": map[string]any{
			"m.oauth":                        map[string]string{"url": approveAt},
			"org.matrix.cross_signing_reset": map[string]string{"url": approveAt},
		},
		"msg": "To reset your end-to-end encryption cross-signing identity, you first need to approve it at " +
			approveAt + " and then try again.",
	})
	return nil
}
