package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

// whoami asks the Synapse stand-in who a token belongs to, as a client does after login; it
// returns the status and the JSON body.
func whoami(t *testing.T, s *Server, accessToken string) (int, map[string]any) {
	t.Helper()
	return clientAPI(t, s, http.MethodGet, "/_matrix/client/v3/account/whoami", accessToken, nil)
}

// clientAPI calls the Synapse stand-in's client-server API with a bearer token and, when body
// is not nil, a JSON body; it returns the status and the decoded JSON answer.
func clientAPI(t *testing.T, s *Server, method, path, accessToken string, body any) (int, map[string]any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.Synapse.URL()+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestSynapseLifecycle is the homeserver contract end to end (SYNAPSE.md §1.2–§1.3, §1.6): a
// client finds mxauth through the homeserver, logs in, and Synapse knows the user and the
// device before the token response; whoami answers for the token; revocation deletes the
// device, and whoami refuses the token at once although Synapse cached its introspection.
func TestSynapseLifecycle(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := WithSynapse(t, b.Start, nil)
			s.CreateUser(t, "alice", testPassword)

			// The client sees a whole homeserver: versions, then auth_metadata passed through
			// from mxauth's openid-configuration.
			var md map[string]any
			getJSON(t, s.Synapse.URL()+"/_matrix/client/v1/auth_metadata", &md)
			if md["issuer"] != s.URL+"/" || md["token_endpoint"] != s.URL+"/oauth2/token" {
				t.Fatalf("auth_metadata through the homeserver: %v", md)
			}

			clientID := nativeClient(t, s, "")
			tok := login(t, s, s.NewBrowser(t), "alice", clientID, stableScope)
			at := tok["access_token"].(string)
			if got := s.Synapse.Devices("alice"); !slices.Equal(got, []string{"ABCDEFGHIJ"}) {
				t.Fatalf("devices in Synapse after login: %v", got)
			}
			if u, ok := s.Synapse.User("alice"); !ok || u.Deactivated {
				t.Fatalf("user in Synapse: %+v %v", u, ok)
			}
			status, who := whoami(t, s, at)
			want := map[string]any{"user_id": "@alice:synapse.test", "device_id": "ABCDEFGHIJ", "is_guest": false}
			if status != http.StatusOK || !cmp.Equal(who, want) {
				t.Fatalf("whoami: %d %v", status, who)
			}

			if code := revoke(t, s, url.Values{"token": {at}, "client_id": {clientID}}); code != http.StatusOK {
				t.Fatalf("revoke: %d", code)
			}
			if got := s.Synapse.Devices("alice"); len(got) != 0 {
				t.Fatalf("devices in Synapse after revocation: %v", got)
			}
			status, who = whoami(t, s, at)
			if status != http.StatusUnauthorized || who["errcode"] != "M_UNKNOWN_TOKEN" {
				t.Fatalf("whoami after revocation: %d %v", status, who)
			}
		})
	}
}

func getJSON(t *testing.T, u string, out any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// TestSynapseDownAtLogin: the device cannot be created, so the token request answers 503
// and spends nothing; once Synapse is back, the same code is exchanged.
func TestSynapseDownAtLogin(t *testing.T) {
	t.Parallel()
	for _, fault := range []struct {
		name  string
		fault synapsetest.Fault
	}{
		{"500", synapsetest.Fault{Status: http.StatusInternalServerError}},
		{"timeout", synapsetest.Fault{Hang: true}},
	} {
		t.Run(fault.name, func(t *testing.T) {
			t.Parallel()
			s := WithSynapse(t, Start, func(c *config.Config) { c.Matrix.Timeout = 300 * time.Millisecond })
			s.CreateUser(t, "alice", testPassword)
			clientID := nativeClient(t, s, "")
			verifier := oauth2.GenerateVerifier()
			code := codeFor(t, s, s.NewBrowser(t), clientID, loopbackCB, stableScope, verifier, nil)

			s.Synapse.InjectFault(fault.fault)
			status, hdr, out := postToken(t, s, exchangeForm(clientID, code, loopbackCB, verifier))
			if status != http.StatusServiceUnavailable || out["error"] != "temporarily_unavailable" || hdr.Get("Retry-After") == "" {
				t.Fatalf("exchange with Synapse down: %d %v", status, out)
			}
			s.Synapse.ClearFaults()
			status, _, out = postToken(t, s, exchangeForm(clientID, code, loopbackCB, verifier))
			if status != http.StatusOK {
				t.Fatalf("exchange after recovery: %d %v", status, out)
			}
			if got := s.Synapse.Devices("alice"); !slices.Equal(got, []string{"ABCDEFGHIJ"}) {
				t.Fatalf("devices: %v", got)
			}
			if status, _ := whoami(t, s, out["access_token"].(string)); status != http.StatusOK {
				t.Fatalf("whoami: %d", status)
			}
		})
	}
}

// TestSynapseDownAtRevocation: the session ends at once (the token is inactive), the device
// deletion waits in the queue, and the worker converges once Synapse is back.
func TestSynapseDownAtRevocation(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := WithSynapse(t, b.Start, func(c *config.Config) {
				c.Matrix.Timeout = 300 * time.Millisecond
				c.Matrix.Secret = SynapseSecret
			})
			s.CreateUser(t, "carol", testPassword)
			clientID := nativeClient(t, s, "")
			tok := login(t, s, s.NewBrowser(t), "carol", clientID, stableScope)

			s.Synapse.InjectFault(synapsetest.Fault{Status: http.StatusBadGateway})
			if code := revoke(t, s, url.Values{"token": {tok["refresh_token"].(string)}}); code != http.StatusOK {
				t.Fatalf("revoke with Synapse down: %d", code)
			}
			if got := introspect(t, s, bearer(SynapseSecret), tokenForm(tok["access_token"].(string))); string(got.body) != `{"active":false}` {
				t.Fatal("the revoked token is still active at mxauth")
			}
			if got := s.Synapse.Devices("carol"); len(got) != 1 {
				t.Fatalf("Synapse lost the device while down: %v", got)
			}
			// Retries during the outage fail and back off.
			ctx := context.Background()
			s.Clock.Advance(time.Minute)
			if _, err := s.App.RunHomeserverJobs(ctx); err != nil {
				t.Fatal(err)
			}
			if got := s.Synapse.Devices("carol"); len(got) != 1 {
				t.Fatalf("devices during the outage: %v", got)
			}
			s.Synapse.ClearFaults()
			s.Clock.Advance(11 * time.Minute) // past the longest backoff
			if n, err := s.App.RunHomeserverJobs(ctx); err != nil || n != 1 {
				t.Fatalf("jobs after recovery: %d %v", n, err)
			}
			if got := s.Synapse.Devices("carol"); len(got) != 0 {
				t.Fatalf("devices after recovery: %v", got)
			}
			if n, _ := s.App.RunHomeserverJobs(ctx); n != 0 {
				t.Fatalf("%d jobs left after convergence", n)
			}
		})
	}
}
