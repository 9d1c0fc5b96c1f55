package synapsetest_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

func TestAuthMetadataPassthrough(t *testing.T) {
	t.Parallel()
	hs, mas, _ := setup(t)
	for _, path := range []string{"/_matrix/client/v1/auth_metadata", "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata"} {
		resp, err := http.Get(hs.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Unchanged: the extra field and the number's spelling survive.
		want := `{"issuer":"https://auth.test/","account_management_uri":"https://auth.test/account","account_management_actions_supported":["org.matrix.cross_signing_reset"],"n":1.50}`
		if resp.StatusCode != 200 || string(raw) != want {
			t.Errorf("%s = %d %s, want 200 %s", path, resp.StatusCode, raw, want)
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=600, s-maxage=3600, stale-while-revalidate=600" {
			t.Errorf("%s Cache-Control = %q", path, got)
		}
	}
	status, answer, _ := send(t, "GET", hs.URL()+"/_matrix/client/unstable/org.matrix.msc2965/auth_issuer", "", "")
	if diff := cmp.Diff(map[string]any{"issuer": "https://auth.test/"}, answer); status != 200 || diff != "" {
		t.Errorf("auth_issuer = %d (-want +got):\n%s", status, diff)
	}
	status, answer, _ = send(t, "GET", hs.URL()+"/.well-known/matrix/client", "", "")
	wantWellKnown := map[string]any{
		"m.homeserver":                      map[string]any{"base_url": hs.URL() + "/"},
		"org.matrix.msc2965.authentication": map[string]any{"issuer": "https://auth.test/", "account": "https://auth.test/account"},
	}
	if diff := cmp.Diff(wantWellKnown, answer); status != 200 || diff != "" {
		t.Errorf("well-known = %d (-want +got):\n%s", status, diff)
	}
	// Fetched once, then kept for the life of the process, as Synapse does.
	mas.set(func(f *fakeMAS) {
		if f.metadataFetches != 1 {
			t.Errorf("metadata fetched %d times, want 1", f.metadataFetches)
		}
		f.metadata = `{"issuer":"https://changed/","account_management_uri":"x"}`
	})
	if _, answer, _ := send(t, "GET", hs.URL()+"/_matrix/client/unstable/org.matrix.msc2965/auth_issuer", "", ""); answer["issuer"] != "https://auth.test/" {
		t.Errorf("the metadata was not kept: issuer %v", answer["issuer"])
	}
	hs.ForgetCaches()
	if _, answer, _ := send(t, "GET", hs.URL()+"/_matrix/client/unstable/org.matrix.msc2965/auth_issuer", "", ""); answer["issuer"] != "https://changed/" {
		t.Errorf("after ForgetCaches: issuer %v", answer["issuer"])
	}
}

func TestAuthMetadataStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		metadata string
	}{
		{"missing account_management_uri", 200, `{"issuer":"https://auth.test/"}`},
		{"missing issuer", 200, `{"account_management_uri":"https://auth.test/account"}`},
		{"issuer not a string", 200, `{"issuer":1,"account_management_uri":"https://auth.test/account"}`},
		{"account_management_uri null", 200, `{"issuer":"https://auth.test/","account_management_uri":null}`},
		{"not an object", 200, `["issuer"]`},
		{"error status", 503, `{"issuer":"https://auth.test/","account_management_uri":"https://auth.test/account"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs, mas, _ := setup(t)
			mas.set(func(f *fakeMAS) { f.metadata, f.metadataStatus = tt.metadata, tt.status })
			for _, path := range []string{"/_matrix/client/v1/auth_metadata", "/.well-known/matrix/client"} {
				if status, answer, _ := send(t, "GET", hs.URL()+path, "", ""); status != 500 || errcode(answer) != "M_UNKNOWN" {
					t.Errorf("%s = %d %v, want 500 M_UNKNOWN", path, status, answer)
				}
			}
			// A failure is not cached: once mxauth is fixed, the next request succeeds.
			mas.set(func(f *fakeMAS) {
				f.metadata, f.metadataStatus = `{"issuer":"https://auth.test/","account_management_uri":"https://auth.test/account"}`, 200
			})
			if status, _, _ := send(t, "GET", hs.URL()+"/_matrix/client/v1/auth_metadata", "", ""); status != 200 {
				t.Errorf("after the fix: %d, want 200", status)
			}
		})
	}
}

func TestVersions(t *testing.T) {
	t.Parallel()
	hs := synapsetest.New(synapsetest.Options{Secret: secret}).Start(t)
	status, answer, header := send(t, "GET", hs.URL()+"/_matrix/client/versions", "", "")
	if status != 200 || header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("versions = %d, CORS %q", status, header.Get("Access-Control-Allow-Origin"))
	}
	versions, _ := answer["versions"].([]any)
	for _, v := range []string{"v1.1", "v1.15", "v1.16", "v1.17", "v1.18"} {
		if !slices.Contains(versions, any(v)) {
			t.Errorf("versions %v lack %s", versions, v)
		}
	}
	if hs.ServerName() != "synapse.test" {
		t.Errorf("default server name = %q", hs.ServerName())
	}
	// Without SetMAS, the metadata cannot be had.
	if status, _, _ := send(t, "GET", hs.URL()+"/_matrix/client/v1/auth_metadata", "", ""); status != 500 {
		t.Errorf("auth_metadata without SetMAS = %d, want 500", status)
	}
	req, _ := http.NewRequest(http.MethodOptions, hs.URL()+"/_matrix/client/v3/account/whoami", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Headers") == "" {
		t.Errorf("OPTIONS = %d %v", resp.StatusCode, resp.Header)
	}
}

// TestCrossSigningReset is the R87 flow: a replacement master key needs MAS's approval,
// which lasts ten minutes.
func TestCrossSigningReset(t *testing.T) {
	t.Parallel()
	hs, mas, clk := setup(t)
	hs.AddUser("alice")
	hs.AddDevice("alice", "DEV1")
	mas.answer("tok", `{"active":true,"username":"alice","scope":"urn:matrix:client:api:* urn:matrix:client:device:DEV1"}`)
	key := func(usage, pub string) string {
		return `{"user_id":"@alice:example.org","usage":["` + usage + `"],"keys":{"ed25519:` + pub + `":"` + pub + `"}}`
	}
	upload := func(body string) (int, map[string]any) {
		t.Helper()
		// Advancing the clock past two minutes empties the introspection cache; the
		// answer stays the same, so that is harmless.
		status, answer, _ := send(t, "POST", hs.URL()+"/_matrix/client/v3/keys/device_signing/upload", "tok", body)
		return status, answer
	}
	first := `{"master_key":` + key("master", "M1") + `,"self_signing_key":` + key("self_signing", "S1") + `}`
	second := `{"master_key":` + key("master", "M2") + `}`
	third := `{"master_key":` + key("master", "M3") + `}`

	if status, answer := upload(`{"self_signing_key":` + key("self_signing", "S0") + `}`); status != 400 || errcode(answer) != "M_INVALID_SIGNATURE" {
		t.Errorf("self-signing key without a master key = %d %v", status, answer)
	}
	if status, answer := upload(`{"master_key":` + key("self_signing", "M0") + `}`); status != 400 || errcode(answer) != "M_INVALID_PARAM" {
		t.Errorf("master key with the wrong usage = %d %v", status, answer)
	}
	if status, _ := upload(first); status != 200 || !hs.HasMasterKey("alice") {
		t.Fatalf("first upload = %d, want 200", status)
	}
	if status, _ := upload(first); status != 200 {
		t.Errorf("the same keys again = %d, want 200", status)
	}
	// Approval before any key is a no-op in Synapse; here there is a key, so it opens the window.
	url := "https://auth.test/account?action=org.matrix.cross_signing_reset"
	wantChallenge := map[string]any{
		"session": "dummy",
		"flows":   []any{map[string]any{"stages": []any{"m.oauth"}}, map[string]any{"stages": []any{"org.matrix.cross_signing_reset"}}},
		"params": map[string]any{
			"m.oauth":                        map[string]any{"url": url},
			"org.matrix.cross_signing_reset": map[string]any{"url": url},
		},
		"msg": "To reset your end-to-end encryption cross-signing identity, you first need to approve it at " + url + " and then try again.",
	}
	status, answer := upload(second)
	if diff := cmp.Diff(wantChallenge, answer); status != 401 || diff != "" {
		t.Fatalf("replacement without approval = %d (-want +got):\n%s", status, diff)
	}

	if status, _ := mas_(t, hs.URL(), "allow_cross_signing_reset", `{"localpart":"alice"}`); status != 200 || !hs.AllowedCrossSigningReset("alice") {
		t.Fatalf("allow_cross_signing_reset = %d, allowed %v", status, hs.AllowedCrossSigningReset("alice"))
	}
	if status, _ := upload(second); status != 200 {
		t.Fatalf("replacement after approval = %d, want 200", status)
	}
	if hs.AllowedCrossSigningReset("alice") {
		t.Error("the approval outlived the key it was for")
	}
	if status, _ := upload(third); status != 401 {
		t.Errorf("second replacement on one approval = %d, want 401", status)
	}

	// The window lasts ten minutes by the clock.
	mas_(t, hs.URL(), "allow_cross_signing_reset", `{"localpart":"alice"}`)
	clk.Advance(10*time.Minute - time.Second)
	if !hs.AllowedCrossSigningReset("alice") {
		t.Error("the approval ended before ten minutes")
	}
	clk.Advance(time.Second)
	if status, _ := upload(third); status != 401 || hs.AllowedCrossSigningReset("alice") {
		t.Errorf("after ten minutes: upload = %d, allowed %v", status, hs.AllowedCrossSigningReset("alice"))
	}
}

func TestAllowCrossSigningResetWithoutKey(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.AddUser("bob")
	if status, _ := mas_(t, hs.URL(), "allow_cross_signing_reset", `{"localpart":"bob"}`); status != 200 {
		t.Fatalf("allow_cross_signing_reset = %d", status)
	}
	if hs.AllowedCrossSigningReset("bob") {
		t.Error("an approval without a master key opened a window; Synapse's is a no-op")
	}
}
