package apptest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/mxauth/mxauth/internal/template"
)

// uploadMasterKey uploads a cross-signing master key to the Synapse stand-in, as a client
// resetting its identity does, and returns the status and body.
func uploadMasterKey(t *testing.T, s *Server, accessToken, key string) (int, map[string]any) {
	t.Helper()
	return clientAPI(t, s, http.MethodPost, "/_matrix/client/v3/keys/device_signing/upload", accessToken,
		map[string]any{"master_key": map[string]any{
			"user_id": "@alice:" + s.Synapse.ServerName(), "usage": []string{"master"}, "keys": map[string]string{"ed25519:" + key: key},
		}})
}

// TestAccountCrossSigningResetThroughSynapse is R87 end to end: replacing the master key
// answers 401 with the m.oauth stage pointing at the account page's action; the user approves
// there, and the client's retry succeeds.
func TestAccountCrossSigningResetThroughSynapse(t *testing.T) {
	t.Parallel()
	f := newAccountFixture(t, WithSynapse(t, Start, nil))
	token := f.device(t, "KEYSDEVICE")
	if status, out := uploadMasterKey(t, f.s, token, "FIRSTKEY"); status != http.StatusOK {
		t.Fatalf("first master key: %d %v", status, out)
	}
	status, out := uploadMasterKey(t, f.s, token, "SECONDKEY")
	if status != http.StatusUnauthorized {
		t.Fatalf("replacing the master key without approval: %d %v", status, out)
	}
	params, _ := out["params"].(map[string]any)
	stage, _ := params["m.oauth"].(map[string]any)
	approveAt, _ := stage["url"].(string)
	if want := f.s.URL + "/account/?action=org.matrix.cross_signing_reset"; approveAt != want {
		t.Fatalf("m.oauth url %q, want %q", approveAt, want)
	}
	p := f.br.Follow(f.br.Get(approveAt))
	wantBody(t, p, http.StatusOK, "<h1>Reset your encryption identity</h1>")
	wantBody(t, f.br.Follow(f.br.Submit(p, nil, "")), http.StatusOK, "finish it within 10 minutes")
	if status, out := uploadMasterKey(t, f.s, token, "SECONDKEY"); status != http.StatusOK {
		t.Fatalf("replacing the master key after approval: %d %v", status, out)
	}
}

// TestAccountChangesReachSynapse: a new display name, a signed-out device and a deactivation
// made on the account pages reach the homeserver at once.
func TestAccountChangesReachSynapse(t *testing.T) {
	t.Parallel()
	f := newAccountFixture(t, WithSynapse(t, Start, nil))
	token := f.device(t, "GONEDEVICE")
	f.device(t, "KEPTDEVICE")

	p := f.get(t, "/account/profile")
	wantRedirect(t, f.br.Submit(p, map[string]string{template.FieldDisplayName: "Alice Liddell"}, ""), "/account/profile?done=saved")
	if u, _ := f.s.Synapse.User("alice"); u.DisplayName != "Alice Liddell" {
		t.Errorf("display name in Synapse: %q", u.DisplayName)
	}

	p = f.get(t, "/account/devices/delete?device_id=GONEDEVICE")
	wantRedirect(t, f.br.Submit(p, map[string]string{template.FieldPassword: testPassword}, ""),
		"/account/devices?device_id=GONEDEVICE&done=device_ended")
	if got := f.s.Synapse.Devices("alice"); !slices.Equal(got, []string{"KEPTDEVICE"}) {
		t.Errorf("devices in Synapse after the sign-out: %v", got)
	}
	if status, _ := whoami(t, f.s, token); status != http.StatusUnauthorized {
		t.Errorf("whoami with the signed-out device's token: %d", status)
	}

	p = f.get(t, "/account/deactivate")
	wantBody(t, f.br.Submit(p, map[string]string{template.FieldPassword: testPassword, template.FieldConfirm: "alice"}, ""),
		http.StatusOK, "<h1>Your account is deactivated</h1>")
	if u, _ := f.s.Synapse.User("alice"); !u.Deactivated {
		t.Errorf("alice in Synapse after deactivation: %+v", u)
	}
}
