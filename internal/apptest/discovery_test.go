package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/golden"
)

const (
	pathMetadata         = "/_matrix/client/v1/auth_metadata"
	pathMetadataUnstable = "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata"
	pathIssuerUnstable   = "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer"
	pathOpenIDConfig     = "/.well-known/openid-configuration"
	pathOAuthServer      = "/.well-known/oauth-authorization-server"
	httpsIssuer          = "https://auth.example.test/"
)

// requiredFields are META's `required:` list with their JSON types (SPEC.md §1.2, R2).
var requiredFields = map[string]string{
	"issuer":                           "string",
	"authorization_endpoint":           "string",
	"token_endpoint":                   "string",
	"revocation_endpoint":              "string",
	"registration_endpoint":            "string",
	"response_types_supported":         "array",
	"grant_types_supported":            "array",
	"response_modes_supported":         "array",
	"code_challenge_methods_supported": "array",
}

// notYetServed lists required fields whose endpoints are built by later issues. The metadata
// names an endpoint only once its route works, so these must be absent for now. The test
// fails when one appears: move it out of this list, and its value checks below apply.
var notYetServed = map[string]string{}

func httpsServer(t *testing.T) *Server {
	return Start(t, func(c *config.Config) { c.HTTP.PublicURL = httpsIssuer })
}

func getDoc(t *testing.T, s *Server, path string) (map[string]any, []byte, *http.Response) {
	t.Helper()
	resp, err := s.Client.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: body is not a JSON object: %v\n%s", path, err, body)
		}
	}
	return doc, body, resp
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case bool:
		return "boolean"
	case float64:
		return "number"
	}
	return "null"
}

func TestMetadataConformance(t *testing.T) {
	t.Parallel()
	s := httpsServer(t)
	doc, body, resp := getDoc(t, s, pathMetadata)

	// R1: unauthenticated GET answers 200 with a JSON object.
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("R1: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("R1: Content-Type %q", ct)
	}
	golden.Assert(t, "auth_metadata.json", append(body, '\n'))

	// R2: required fields present with the right types, except those not yet served.
	for field, typ := range requiredFields {
		v, present := doc[field]
		if why, pending := notYetServed[field]; pending {
			if present {
				t.Errorf("R2: %s is now served; remove it from notYetServed (%s)", field, why)
			}
			continue
		}
		if !present {
			t.Errorf("R2: required field %s is missing", field)
		} else if got := jsonType(v); got != typ {
			t.Errorf("R2: %s is a %s, want %s", field, got, typ)
		}
	}

	// R3: the issuer is https, absolute, without query or fragment, and is the public URL.
	iss, err := url.Parse(doc["issuer"].(string))
	if err != nil || iss.Scheme != "https" || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" {
		t.Errorf("R3: bad issuer %q", doc["issuer"])
	}
	if doc["issuer"] != httpsIssuer {
		t.Errorf("R3: issuer %q, want the public URL %q", doc["issuer"], httpsIssuer)
	}

	// R4 and R11: every endpoint/URI value is an absolute https URL under the issuer.
	for k, v := range doc {
		if !strings.HasSuffix(k, "_endpoint") && !strings.HasSuffix(k, "_uri") {
			continue
		}
		u, err := url.Parse(v.(string))
		if err != nil || !u.IsAbs() || u.Host == "" {
			t.Errorf("R4: %s = %q is not an absolute URL", k, v)
		}
		if !strings.HasPrefix(v.(string), httpsIssuer) {
			t.Errorf("R4: %s = %q is not derived from the issuer", k, v)
		}
	}

	// R5–R8: the required values, for the lists that are served.
	for field, must := range map[string][]string{
		"response_types_supported":         {"code"},
		"grant_types_supported":            {"authorization_code", "refresh_token"},
		"response_modes_supported":         {"query", "fragment"},
		"code_challenge_methods_supported": {"S256"},
	} {
		list, ok := doc[field].([]any)
		if !ok {
			continue // absent: covered by R2
		}
		for _, m := range must {
			if !slices.Contains(list, any(m)) {
				t.Errorf("R5–R8: %s lacks %q", field, m)
			}
		}
	}

	// R9: the device_code grant is listed exactly when the device endpoint is.
	grants, _ := doc["grant_types_supported"].([]any)
	_, hasDevice := doc["device_authorization_endpoint"]
	if slices.Contains(grants, any("urn:ietf:params:oauth:grant-type:device_code")) != hasDevice {
		t.Error("R9: device_code grant and device_authorization_endpoint disagree")
	}

	// R10: prompt=create is advertised only with user registration, closed by default
	// (register_flow_test.go checks the other way round).
	if prompts, _ := doc["prompt_values_supported"].([]any); slices.Contains(prompts, any("create")) {
		t.Error("R10: prompt_values_supported offers create while registration is closed")
	}

	// R11: account management actions, when present, are namespaced identifiers.
	if acts, ok := doc["account_management_actions_supported"].([]any); ok {
		re := regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9_-]+)+$`)
		for _, a := range acts {
			if s, _ := a.(string); !re.MatchString(s) {
				t.Errorf("R11: action %q", a)
			}
		}
	}

	// R14: no empty arrays anywhere.
	for k, v := range doc {
		if a, ok := v.([]any); ok && len(a) == 0 {
			t.Errorf("R14: %s is an empty array", k)
		}
	}
}

func TestMetadataAliasesAndIssuer(t *testing.T) {
	t.Parallel()
	s := httpsServer(t)
	_, want, _ := getDoc(t, s, pathMetadata)
	// R15 and RFC 8414 §3.3: the same document, byte for byte, at every alias.
	for _, p := range []string{pathMetadataUnstable, pathOpenIDConfig, pathOAuthServer} {
		_, got, resp := getDoc(t, s, p)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("R15: %s answers %d with a different document:\n%s", p, resp.StatusCode, cmp.Diff(string(want), string(got)))
		}
	}
	// R16: auth_issuer names the identical issuer.
	doc, body, resp := getDoc(t, s, pathIssuerUnstable)
	if resp.StatusCode != http.StatusOK || doc["issuer"] != httpsIssuer || len(doc) != 1 {
		t.Errorf("R16: auth_issuer answered %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
		t.Errorf("auth_issuer Cache-Control %q", cc)
	}
}

func TestMetadataCaching(t *testing.T) {
	t.Parallel()
	s := httpsServer(t)
	_, body, resp := getDoc(t, s, pathMetadata)
	// R13, with Synapse's exact value.
	if got, want := resp.Header.Get("Cache-Control"), "public, max-age=600, s-maxage=3600, stale-while-revalidate=600"; got != want {
		t.Errorf("R13: Cache-Control %q, want %q", got, want)
	}
	etag := resp.Header.Get("ETag")
	if !regexp.MustCompile(`^"[A-Za-z0-9_-]+"$`).MatchString(etag) {
		t.Fatalf("ETag %q is not a strong entity tag", etag)
	}
	tests := []struct {
		name, inm string
		status    int
	}{
		{"matching", etag, http.StatusNotModified},
		{"weak form matches", "W/" + etag, http.StatusNotModified},
		{"in a list", `"other", ` + etag, http.StatusNotModified},
		{"star", "*", http.StatusNotModified},
		{"stale", `"other"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+pathMetadata, nil)
			req.Header.Set("If-None-Match", tt.inm)
			resp, err := s.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if resp.Header.Get("ETag") != etag {
				t.Errorf("ETag %q, want %q", resp.Header.Get("ETag"), etag)
			}
			if tt.status == http.StatusNotModified && len(got) != 0 {
				t.Errorf("304 with a body")
			}
			if tt.status == http.StatusOK && !bytes.Equal(got, body) {
				t.Errorf("different body")
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		resp, err := s.Client.Head(s.URL + pathMetadata)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(got) != 0 || resp.ContentLength != int64(len(body)) {
			t.Errorf("HEAD: status %d, %d body bytes, Content-Length %d", resp.StatusCode, len(got), resp.ContentLength)
		}
	})
}

func TestMetadataCORS(t *testing.T) {
	t.Parallel()
	s := httpsServer(t)
	// R17: a browser client on another origin can read every discovery document.
	for _, p := range []string{pathMetadata, pathMetadataUnstable, pathIssuerUnstable, pathOpenIDConfig, pathOAuthServer, "/oauth2/keys.json"} {
		req, _ := http.NewRequest(http.MethodOptions, s.URL+p, nil)
		req.Header.Set("Origin", "https://app.element.io")
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode/100 != 2 || h.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") ||
			!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Errorf("R17 preflight %s: %d %v", p, resp.StatusCode, h)
		}
		req, _ = http.NewRequest(http.MethodGet, s.URL+p, nil)
		req.Header.Set("Origin", "https://app.element.io")
		resp, err = s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("R17 GET %s: no Access-Control-Allow-Origin", p)
		}
	}
}

func TestOAuthDisabled(t *testing.T) {
	t.Parallel()
	s := Start(t, func(c *config.Config) { c.OAuth.Enabled = false })
	// R12: a homeserver without the OAuth 2.0 API answers 404 M_UNRECOGNIZED.
	for _, p := range []string{pathMetadata, pathMetadataUnstable, pathIssuerUnstable} {
		_, body, resp := getDoc(t, s, p)
		var e map[string]string
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != http.StatusNotFound || e["errcode"] != "M_UNRECOGNIZED" || e["error"] == "" {
			t.Errorf("R12 %s: %d %s", p, resp.StatusCode, body)
		}
	}
	for _, p := range []string{pathOpenIDConfig, "/oauth2/keys.json"} {
		if _, _, resp := getDoc(t, s, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s served with OAuth disabled: %d", p, resp.StatusCode)
		}
	}
}
