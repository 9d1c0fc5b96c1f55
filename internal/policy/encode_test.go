package policy

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
)

func TestEncodeClientMetadata(t *testing.T) {
	t.Parallel()
	m, err := ParseClientMetadata(readTestdata(t, "spec-example.json"), RegistrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.Contacts = []string{"ops@example.com"}
	m.PostLogoutRedirectURIs = []string{"https://app.example.com/bye"}
	want := map[string]any{
		"redirect_uris":                []string{"https://app.example.com/callback"},
		"response_types":               []string{"code"},
		"grant_types":                  []string{"authorization_code", "refresh_token"},
		"application_type":             "web",
		"token_endpoint_auth_method":   "none",
		"client_name":                  "My App",
		"client_name#fr":               "Mon application",
		"client_uri":                   "https://example.com/",
		"logo_uri":                     "https://example.com/logo.png",
		"tos_uri":                      "https://example.com/tos.html",
		"tos_uri#fr":                   "https://example.com/fr/tos.html",
		"policy_uri":                   "https://example.com/policy.html",
		"policy_uri#fr":                "https://example.com/fr/policy.html",
		"contacts":                     []string{"ops@example.com"},
		"id_token_signed_response_alg": "RS256",
		"post_logout_redirect_uris":    []string{"https://app.example.com/bye"},
	}
	got := EncodeClientMetadata(m)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("encoded (-want +got):\n%s", diff)
	}
	// The map holds copies: editing it leaves the metadata alone.
	got["redirect_uris"].([]string)[0] = "https://evil.com/"
	if m.RedirectURIs[0] != "https://app.example.com/callback" {
		t.Error("EncodeClientMetadata shares slices with the metadata")
	}
}

func TestEncodeClientMetadataOmitsEmpty(t *testing.T) {
	t.Parallel()
	got := EncodeClientMetadata(model.ClientMetadata{
		GrantTypes:    []string{"refresh_token"},
		ResponseTypes: []string{},
		ClientURI:     "https://example.com/",
		Localized:     []model.LocalizedValue{{Field: "client_name", Lang: "fr", Value: ""}},
	})
	want := map[string]any{"grant_types": []string{"refresh_token"}, "client_uri": "https://example.com/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("encoded (-want +got):\n%s", diff)
	}
}

// TestEncodeParseRoundTrip: every realistic registration survives encode → JSON → parse.
func TestEncodeParseRoundTrip(t *testing.T) {
	t.Parallel()
	opts := RegistrationOptions{SigningAlgs: []string{"ES256", "RS256"}}
	for _, file := range seedFiles {
		m, err := ParseClientMetadata(readTestdata(t, file), opts)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		checkRoundTrip(t, m, opts)
	}
}

func checkRoundTrip(t testing.TB, m model.ClientMetadata, opts RegistrationOptions) {
	t.Helper()
	body := encodeForTest(t, m)
	again, err := ParseClientMetadata(body, opts)
	if err != nil {
		t.Fatalf("the encoded metadata %s does not parse: %v", body, err)
	}
	if diff := cmp.Diff(m, again); diff != "" {
		t.Fatalf("round trip of %s changed the metadata (-first +second):\n%s", body, diff)
	}
	if ClientMetadataDigest(m) != ClientMetadataDigest(again) {
		t.Fatal("round trip changed the digest")
	}
}

// encodeForTest encodes like a registration handler would, without HTML escaping ("<" stays
// one byte, so a body within MaxBodyBytes re-encodes within it too, U+2028/9 aside).
func encodeForTest(t testing.TB, m model.ClientMetadata) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(EncodeClientMetadata(m)); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return buf.Bytes()
}

var seedFiles = []string{
	"element-web.json", "element-desktop.json", "element-x.json", "element-x-loopback.json",
	"js-sdk-41.json", "spec-example.json", "device-only.json",
}
