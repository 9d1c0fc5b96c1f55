package apptest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
)

const pathRegistration = "/oauth2/registration"

// elementWebBody is what Element Web registers (CLIENTS.md §2).
const elementWebBody = `{
  "client_name": "Element",
  "client_uri": "https://app.element.io/",
  "redirect_uris": ["https://app.element.io/?no_universal_links=true"],
  "logo_uri": "https://app.element.io/vector-icons/1024.png",
  "application_type": "web",
  "response_types": ["code"],
  "grant_types": ["authorization_code", "refresh_token"],
  "token_endpoint_auth_method": "none"
}`

func register(t testing.TB, s *Server, contentType, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+pathRegistration, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	return resp, out
}

func TestRegisterElementWeb(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testRegisterElementWeb(t, b.Start(t, nil))
		})
	}
}

func testRegisterElementWeb(t *testing.T, s *Server) {
	resp, out := register(t, s, "application/json", elementWebBody)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %v", resp.StatusCode, out)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("headers %v", resp.Header)
	}
	id, _ := out["client_id"].(string)
	if !ulid.Valid(id) {
		t.Errorf("client_id %q", id)
	}
	if _, ok := out["client_id_issued_at"].(float64); !ok {
		t.Errorf("client_id_issued_at %v", out["client_id_issued_at"])
	}
	if _, ok := out["client_secret"]; ok {
		t.Error("a public client got a secret")
	}
	for k, want := range map[string]any{
		"client_name": "Element", "client_uri": "https://app.element.io/", "application_type": "web",
		"token_endpoint_auth_method": "none", "logo_uri": "https://app.element.io/vector-icons/1024.png",
	} {
		if out[k] != want {
			t.Errorf("%s = %v, want %v", k, out[k], want)
		}
	}
	// R31: the same body again reuses the client.
	_, again := register(t, s, "application/json; charset=utf-8", elementWebBody)
	if again["client_id"] != id {
		t.Errorf("identical registration got %v, want %s", again["client_id"], id)
	}
	if again["client_id_issued_at"] != out["client_id_issued_at"] {
		t.Errorf("client_id_issued_at changed on re-registration")
	}
	// A different body gets another client.
	_, other := register(t, s, "application/json", strings.Replace(elementWebBody, `"Element"`, `"Element Nightly"`, 1))
	if other["client_id"] == id {
		t.Error("different metadata shared a client_id")
	}
}

func TestRegisterConfidentialClient(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testRegisterConfidentialClient(t, b.Start(t, nil))
		})
	}
}

func testRegisterConfidentialClient(t *testing.T, s *Server) {
	body := strings.Replace(elementWebBody, `"token_endpoint_auth_method": "none"`, `"token_endpoint_auth_method": "client_secret_basic"`, 1)
	resp, out := register(t, s, "application/json", body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %v", resp.StatusCode, out)
	}
	secret, _ := out["client_secret"].(string)
	if err := token.Check(secret, token.ClientSecret); err != nil {
		t.Fatalf("client_secret %q: %v", secret, err)
	}
	if out["client_secret_expires_at"] != float64(0) {
		t.Errorf("client_secret_expires_at %v", out["client_secret_expires_at"])
	}
	c, err := s.App.Store().Clients().Get(t.Context(), out["client_id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if !token.Verify(secret, c.SecretHash) {
		t.Error("the stored hash does not verify the returned secret")
	}
	// Confidential registrations are never shared: each gets its own secret.
	_, again := register(t, s, "application/json", body)
	if again["client_id"] == out["client_id"] || again["client_secret"] == secret {
		t.Error("two confidential registrations share a client or a secret")
	}
}

// manyRegistrations lifts the per-IP limit for tests that register many times from one address.
func manyRegistrations(c *config.Config) { c.Registration.RateLimit.Burst = 1000 }

func TestRegisterBadInput(t *testing.T) {
	t.Parallel()
	s := Start(t, manyRegistrations)
	tests := []struct {
		name, contentType, body, code string
	}{
		{"no content type", "", elementWebBody, "invalid_client_metadata"},
		{"form content type", "application/x-www-form-urlencoded", "client_uri=x", "invalid_client_metadata"},
		{"not JSON", "application/json", "{nope", "invalid_client_metadata"},
		{"JSON array", "application/json", "[]", "invalid_client_metadata"},
		{"empty body", "application/json", "", "invalid_client_metadata"},
		{"wrong field type", "application/json", `{"client_uri":"https://a.example/","redirect_uris":"https://a.example/cb"}`, "invalid_client_metadata"},
		{"too large", "application/json", `{"client_name":"` + strings.Repeat("x", 70<<10) + `"}`, "invalid_client_metadata"},
		{"no client_uri", "application/json", `{"redirect_uris":["https://a.example/cb"]}`, "invalid_client_metadata"},
		{"redirect on another host", "application/json", `{"client_uri":"https://a.example/","redirect_uris":["https://b.example/cb"]}`, "invalid_redirect_uri"},
		{"redirect with fragment", "application/json", `{"client_uri":"https://a.example/","redirect_uris":["https://a.example/cb#x"]}`, "invalid_redirect_uri"},
		{"unsupported auth method", "application/json", `{"client_uri":"https://a.example/","redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, "invalid_client_metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, out := register(t, s, tt.contentType, tt.body)
			if resp.StatusCode != http.StatusBadRequest || out["error"] != tt.code {
				t.Errorf("%d %v, want 400 %s", resp.StatusCode, out, tt.code)
			}
			if d, _ := out["error_description"].(string); d == "" {
				t.Error("no error_description")
			}
		})
	}
	if n, _ := s.App.Store().Clients().List(t.Context(), model.ClientDynamic); len(n) != 0 {
		t.Errorf("%d clients stored by failed registrations", len(n))
	}
}

func TestRegisterPreflight(t *testing.T) {
	t.Parallel()
	s := Start(t, nil)
	req, _ := http.NewRequest(http.MethodOptions, s.URL+pathRegistration, nil)
	req.Header.Set("Origin", "https://app.element.io")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "content-type") {
		t.Errorf("preflight: %d %v", resp.StatusCode, h)
	}
}

func TestRegistrationOperatorControls(t *testing.T) {
	t.Parallel()
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		s := Start(t, func(c *config.Config) { c.Registration.Dynamic = "closed" })
		resp, out := register(t, s, "application/json", elementWebBody)
		if resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_client_metadata" {
			t.Errorf("%d %v", resp.StatusCode, out)
		}
		doc, _, _ := getDoc(t, s, pathMetadata)
		if doc["registration_endpoint"] == nil {
			t.Error("registration_endpoint dropped from the metadata; Matrix clients need it")
		}
	})
	t.Run("allow-list", func(t *testing.T) {
		t.Parallel()
		s := Start(t, func(c *config.Config) { c.Registration.AllowedClientURIHosts = []string{"element.io"} })
		if resp, out := register(t, s, "application/json", elementWebBody); resp.StatusCode != http.StatusCreated {
			t.Errorf("app.element.io refused: %v", out)
		}
		body := strings.ReplaceAll(elementWebBody, "app.element.io", "element.io.evil.example")
		if resp, out := register(t, s, "application/json", body); resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_client_metadata" {
			t.Errorf("a host outside the allow-list: %d %v", resp.StatusCode, out)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		t.Parallel()
		s := Start(t, func(c *config.Config) { c.Registration.RateLimit = config.RateLimit{Burst: 2, PerSecond: 0.01} })
		for i := range 2 {
			if resp, _ := register(t, s, "application/json", elementWebBody); resp.StatusCode != http.StatusCreated {
				t.Fatalf("request %d: %d", i, resp.StatusCode)
			}
		}
		resp, out := register(t, s, "application/json", elementWebBody)
		retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || retry < 1 || out["error"] != "temporarily_unavailable" {
			t.Errorf("over the limit: %d Retry-After %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), out)
		}
	})
}

func TestStaticClientsSync(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testStaticClientsSync(t, b)
		})
	}
}

func testStaticClientsSync(t *testing.T, b Backend) {
	dir := t.TempDir()
	clients := []config.StaticClient{
		{ClientID: "bot", ClientSecret: "bot-secret", GrantTypes: []string{"client_credentials"}, ClientName: "Bot"},
		{ClientID: "cli", TokenEndpointAuthMethod: "none", RedirectURIs: []string{"http://127.0.0.1/cb"}},
	}
	s := b.Start(t, func(c *config.Config) {
		c.DataDir = dir
		c.Database.URL = "sqlite:" + dir + "/mxauth.db"
		c.Clients = clients
	})
	got, err := s.App.Store().Clients().List(t.Context(), model.ClientStatic)
	if err != nil || len(got) != 2 {
		t.Fatalf("static clients %v, %v", got, err)
	}
	bot := got[0]
	if bot.ID != "bot" || bot.Metadata.TokenEndpointAuthMethod != model.AuthClientSecretBasic || !token.Verify("bot-secret", bot.SecretHash) {
		t.Errorf("bot = %+v", bot)
	}
	if cli := got[1]; cli.SecretHash != nil || cli.Metadata.TokenEndpointAuthMethod != model.AuthNone ||
		strings.Join(cli.Metadata.GrantTypes, " ") != "authorization_code refresh_token" {
		t.Errorf("cli = %+v", cli)
	}
	s.App.Close()
	// A restart with one client removed removes it from the store.
	s2 := b.Start(t, func(c *config.Config) {
		c.DataDir = dir
		c.Database.URL = "sqlite:" + dir + "/mxauth.db"
		c.Clients = clients[:1]
	})
	got, _ = s2.App.Store().Clients().List(t.Context(), model.ClientStatic)
	if len(got) != 1 || got[0].ID != "bot" {
		t.Errorf("after removing cli: %v", got)
	}
}

// TestRegisterRealClientBodies registers what each client in CLIENTS.md sends (the bodies
// are shared with the policy package's unit tests) through the real endpoint.
func TestRegisterRealClientBodies(t *testing.T) {
	t.Parallel()
	s := Start(t, manyRegistrations)
	for _, name := range []string{"element-web", "element-desktop", "element-x", "element-x-loopback", "js-sdk-41", "spec-example", "device-only"} {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("..", "policy", "testdata", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			resp, out := register(t, s, "application/json", string(body))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("%d %v", resp.StatusCode, out)
			}
			var sent map[string]any
			if err := json.Unmarshal(body, &sent); err != nil {
				t.Fatal(err)
			}
			// Every redirect URI the client asked for is registered (R19, R22–R28).
			if d := cmp.Diff(sent["redirect_uris"], out["redirect_uris"]); d != "" && sent["redirect_uris"] != nil {
				t.Errorf("redirect_uris (-sent +registered):\n%s", d)
			}
			// Unknown grant types are dropped, never an error (R21).
			for _, g := range out["grant_types"].([]any) {
				if g == "urn:ietf:params:oauth:grant-type:token-exchange" {
					t.Error("an unsupported grant type was registered")
				}
			}
		})
	}
}
