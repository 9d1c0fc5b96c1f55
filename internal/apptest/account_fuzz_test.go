package apptest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/template"
)

// FuzzAccountForms sends every account form, and the deep-link and device pages, random field
// values as a signed-in user: whatever they hold, the answer is never a 5xx (DESIGN.md: bad
// input never causes a 500). The fuzzer does not know alice's password, so nothing it sends
// can sign her device out or deactivate her; every wrong password still runs the hasher.
func FuzzAccountForms(f *testing.F) {
	s := Start(f, func(c *config.Config) {
		withHomeserverSecret(c)
		c.RateLimiting.Login.PerAccount.Burst = 1 << 30 // reach the password checks every time
	})
	s.CreateUser(f, "alice", testPassword)
	br := s.NewBrowser(f)
	signIn(f, s, br, "alice", testPassword)
	clientID := fuzzClient(f, s)
	login(f, s, br, "alice", clientID, "urn:matrix:client:api:* urn:matrix:client:device:FUZZDEVICE")
	csrf := csrfOf(f, br.Get(s.URL+"/account/"))
	// A cheap bcrypt hash (as imported from Synapse) in place of argon2id: every run checks
	// a few wrong passwords, and argon2id under the fuzzer's coverage instrumentation takes
	// seconds. The hasher's own tests cover argon2id.
	cheap, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		f.Fatal(err)
	}
	alice, err := s.App.Store().Users().GetByUsername(context.Background(), "alice")
	if err == nil {
		err = s.App.Store().Users().SetPasswordHash(context.Background(), alice.ID, string(cheap))
	}
	if err != nil {
		f.Fatal(err)
	}

	f.Add("Alice", "hunter2", "a new passphrase", "a new passphrase", "alice", "01JDX4T3Q8W7M2B6Z9K5R1N0CE", "FUZZDEVICE", "")
	f.Add("", "", "", "", "", "", "", "display_name=%zz&csrf=")
	f.Add(strings.Repeat("ä", 300), "\x00", "short", "shorter", "@alice:localhost", "x", "..", "a=1&a=2")
	f.Add("Al\x00ice\n", "\xff\xfe", strings.Repeat("x", 5000), "x", "ALICE", "\xff", "QR+dev/ice=", "%")
	f.Add("", "\xd1\xd1S1\x11", "", "", "", "", "", "#000000000000%0X000000")
	f.Add("<script>", "pw", "password123", "password123", "bob", "", strings.Repeat("D", 300), "confirm=alice&password=")
	f.Fuzz(func(t *testing.T, name, pw, next, again, confirm, session, deviceID, raw string) {
		br := &Browser{t: t, Client: br.Client} // alice's cookies, this run's failures
		device := url.Values{"device_id": {deviceID}}.Encode()
		posts := []struct {
			path   string
			fields url.Values
		}{
			{"/account/profile", url.Values{template.FieldDisplayName: {name}}},
			{"/account/devices/delete?device_id=FUZZDEVICE", url.Values{template.FieldPassword: {pw}}},
			{"/account/devices/delete?" + device, url.Values{template.FieldPassword: {pw}}},
			{"/account/password", url.Values{template.FieldPassword: {pw}, template.FieldNewPassword: {next}, template.FieldNewPasswordAgain: {again}}},
			{"/account/deactivate", url.Values{template.FieldPassword: {pw}, template.FieldConfirm: {confirm}}},
			{"/account/browsers/end", url.Values{template.FieldBrowserSession: {session}}},
			{"/account/browsers/end-others", url.Values{}},
			{"/account/cross-signing-reset", url.Values{}},
		}
		for _, p := range posts {
			p.fields.Set(template.FieldCSRF, csrf)
			for _, body := range []string{p.fields.Encode(), p.fields.Encode() + "&" + raw, raw} {
				req, _ := http.NewRequest(http.MethodPost, s.URL+p.path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				resp, err := br.Client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Fatalf("POST %s %q: %d", p.path, body, resp.StatusCode)
				}
			}
		}
		gets := []string{
			"/account/?" + url.Values{"action": {confirm}, "device_id": {deviceID}}.Encode(),
			"/account/devices/view?" + device, "/account/devices/delete?" + device,
			"/account/browsers?" + url.Values{"done": {"others_ended"}, "count": {session}}.Encode(),
			"/account/devices?" + url.Values{"done": {"device_ended"}, "device_id": {deviceID}}.Encode(),
		}
		for _, path := range gets {
			if p := br.Get(s.URL + path); p.Status >= 500 {
				t.Fatalf("GET %s: %s", path, p)
			}
		}
		// The query as sent, not as url.Parse would accept it.
		u, _ := url.Parse(s.URL + "/account/")
		u.RawQuery = raw
		if resp, err := br.Client.Get(u.String()); err == nil {
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("GET /account/?%s: %d", raw, resp.StatusCode)
			}
		}
	})
}

// fuzzClient registers a native client for the fuzz test (nativeClient needs a *testing.T).
func fuzzClient(t testing.TB, s *Server) string {
	t.Helper()
	body := `{"client_name":"Fuzz App","client_uri":"https://app.example.org/","application_type":"native",` +
		`"redirect_uris":["` + loopbackCB + `"],"token_endpoint_auth_method":"none",` +
		`"grant_types":["authorization_code","refresh_token"],"response_types":["code"]}`
	resp, err := s.Client.Post(s.URL+"/oauth2/registration", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("registration: %d %v", resp.StatusCode, out)
	}
	return out["client_id"].(string)
}
