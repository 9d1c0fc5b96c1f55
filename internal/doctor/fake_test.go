package doctor

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// This file is a hand-written deployment for the table tests: one TLS server playing the
// web server of the server name, the homeserver behind its reverse proxy, mxauth's routes
// and Synapse's MAS API. The real parts (internal/apptest, synapsetest) are used in
// e2e_test.go; they cannot be made to answer old versions or broken metadata.

const (
	fakeIssuer = "https://auth.example.test/"
	fakeSecret = "doctor-test-shared-secret-0123456789"
)

// fakeDeployment is the routes of the fake, edited by a test case before it is served.
type fakeDeployment struct {
	srv    *httptest.Server
	routes map[string]http.HandlerFunc
	// wellKnown, versions and metadata are the JSON documents the default routes serve.
	wellKnown map[string]any
	versions  []any
	metadata  map[string]any
}

// newFakeDeployment returns a healthy deployment; edit it, then call start.
func newFakeDeployment() *fakeDeployment {
	d := &fakeDeployment{
		srv: httptest.NewUnstartedServer(nil),
		wellKnown: map[string]any{
			wellKnownIssuerKey: map[string]any{"issuer": fakeIssuer, "account": fakeIssuer + "account"},
		},
		// v1.9 sorts after v1.15 as a string: the check must compare numbers.
		versions: []any{"r0.6.1", "v1.15", "v1.18", "v1.9"},
		metadata: map[string]any{
			"issuer":                           fakeIssuer,
			"authorization_endpoint":           fakeIssuer + "authorize",
			"token_endpoint":                   fakeIssuer + "oauth2/token",
			"revocation_endpoint":              fakeIssuer + "oauth2/revoke",
			"registration_endpoint":            fakeIssuer + "oauth2/registration",
			"response_types_supported":         []string{"code"},
			"grant_types_supported":            []string{"authorization_code", "refresh_token"},
			"response_modes_supported":         []string{"query", "fragment"},
			"code_challenge_methods_supported": []string{"S256"},
			"account_management_uri":           fakeIssuer + "account",
		},
	}
	fromMxauth := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Mxauth", "1")
		writeTestJSON(w, http.StatusUnauthorized, map[string]string{"errcode": "M_MISSING_TOKEN"})
	}
	d.routes = map[string]http.HandlerFunc{
		"/.well-known/matrix/client": func(w http.ResponseWriter, r *http.Request) {
			doc := map[string]any{"m.homeserver": map[string]any{"base_url": d.srv.URL + "/"}}
			for k, v := range d.wellKnown {
				doc[k] = v
			}
			writeTestJSON(w, http.StatusOK, doc)
		},
		"/_matrix/client/versions": func(w http.ResponseWriter, r *http.Request) {
			writeTestJSON(w, http.StatusOK, map[string]any{"versions": d.versions})
		},
		authMetadataPath: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			writeTestJSON(w, http.StatusOK, d.metadata)
		},
		"/_matrix/client/v3/login":   fromMxauth,
		"/_matrix/client/v3/logout":  fromMxauth,
		"/_matrix/client/v3/refresh": fromMxauth,
		"/_synapse/mas/is_localpart_available": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+fakeSecret {
				writeTestJSON(w, http.StatusForbidden, map[string]string{"errcode": "M_UNKNOWN", "error": "This endpoint must only be called by MAS"})
				return
			}
			writeTestJSON(w, http.StatusOK, map[string]string{})
		},
	}
	return d
}

// start serves the deployment over TLS until the test ends.
func (d *fakeDeployment) start(t *testing.T) {
	t.Helper()
	d.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := d.routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		writeTestJSON(w, http.StatusNotFound, map[string]string{"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"})
	})
	d.srv.StartTLS()
	t.Cleanup(d.srv.Close)
}

// options are the options of a full check of the deployment, as `mxauth doctor --config`
// gives them.
func (d *fakeDeployment) options() Options {
	return Options{HomeserverURL: d.srv.URL, Issuer: fakeIssuer, SynapseEndpoint: d.srv.URL, Secret: fakeSecret,
		HTTPClient: d.srv.Client()}
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
