package policy

import (
	"regexp"
	"testing"

	"github.com/mxauth/mxauth/internal/model"
)

func TestClientMetadataDigestIdenticalRegistrations(t *testing.T) {
	t.Parallel()
	// Two bodies that differ only in key order, whitespace, set order, repeats, defaults spelt
	// out and unsupported values normalise to the same metadata and so the same digest.
	a := `{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"],
		"grant_types":["refresh_token","authorization_code"],"client_name#fr":"Appli","tos_uri#de":"https://example.com/de"}`
	b := `{"tos_uri#de":"https://example.com/de","client_name#fr":"Appli","application_type":"web",
		"grant_types":["authorization_code","urn:ietf:params:oauth:grant-type:token-exchange","refresh_token","refresh_token"],
		"response_types":["code"],"redirect_uris":["https://example.com/cb","https://example.com/cb"],
		"client_uri":"https://example.com/","token_endpoint_auth_method":"client_secret_basic","contacts":[]}`
	ma, err := ParseClientMetadata([]byte(a), RegistrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := ParseClientMetadata([]byte(b), RegistrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	da, db := ClientMetadataDigest(ma), ClientMetadataDigest(mb)
	if da != db {
		t.Errorf("digests differ: %s and %s", da, db)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(da) {
		t.Errorf("digest %q is not 64 hex digits", da)
	}
}

// TestClientMetadataDigestIsStable pins one digest: stored clients are found again by it, so a
// change of the canonical form must be deliberate (and bump digestVersion).
func TestClientMetadataDigestIsStable(t *testing.T) {
	t.Parallel()
	m, err := ParseClientMetadata(readTestdata(t, "element-x.json"), RegistrationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const want = "e1668b1f2c8da82fefb9675ab3174fd89b8085e55d5e93caac0b8fa5b613a2b1"
	if got := ClientMetadataDigest(m); got != want {
		t.Errorf("digest = %s; want %s", got, want)
	}
}

func TestClientMetadataDigestNilEqualsEmpty(t *testing.T) {
	t.Parallel()
	m := baseMetadata()
	withEmpty := baseMetadata()
	withEmpty.Contacts = []string{}
	withEmpty.Localized = []model.LocalizedValue{}
	withEmpty.PostLogoutRedirectURIs = []string{}
	if ClientMetadataDigest(m) != ClientMetadataDigest(withEmpty) {
		t.Error("nil and empty lists give different digests")
	}
}

// TestClientMetadataDigestDiffers changes each field in turn, including changes that only
// move text between neighbouring fields, and expects a new digest every time.
func TestClientMetadataDigestDiffers(t *testing.T) {
	t.Parallel()
	base := baseMetadata()
	base.Contacts = []string{"a@example.com"}
	base.Localized = []model.LocalizedValue{{Field: "client_name", Lang: "fr", Value: "Appli"}}
	changes := map[string]func(m *model.ClientMetadata){
		"redirect added": func(m *model.ClientMetadata) { m.RedirectURIs = append(m.RedirectURIs, "https://example.com/2") },
		"redirect order": func(m *model.ClientMetadata) {
			m.RedirectURIs = []string{"https://example.com/2", "https://example.com/callback"}
		},
		"redirect edited":        func(m *model.ClientMetadata) { m.RedirectURIs = []string{"https://example.com/callback/"} },
		"response types":         func(m *model.ClientMetadata) { m.ResponseTypes = nil },
		"grant types":            func(m *model.ClientMetadata) { m.GrantTypes = []string{"authorization_code", "refresh_token"} },
		"application type":       func(m *model.ClientMetadata) { m.ApplicationType = model.ApplicationNative },
		"auth method":            func(m *model.ClientMetadata) { m.TokenEndpointAuthMethod = model.AuthClientSecretBasic },
		"client name":            func(m *model.ClientMetadata) { m.ClientName = "x" },
		"client uri":             func(m *model.ClientMetadata) { m.ClientURI = "https://example.com" },
		"logo uri":               func(m *model.ClientMetadata) { m.LogoURI = "https://example.com/l.png" },
		"tos uri":                func(m *model.ClientMetadata) { m.TOSURI = "https://example.com/t" },
		"policy uri":             func(m *model.ClientMetadata) { m.PolicyURI = "https://example.com/p" },
		"tos uri, not policy":    func(m *model.ClientMetadata) { m.TOSURI, m.PolicyURI = "https://example.com/x", "" },
		"policy uri, not tos":    func(m *model.ClientMetadata) { m.TOSURI, m.PolicyURI = "", "https://example.com/x" },
		"contacts":               func(m *model.ClientMetadata) { m.Contacts = []string{"b@example.com"} },
		"contacts split":         func(m *model.ClientMetadata) { m.Contacts = []string{"a@", "example.com"} },
		"localized value":        func(m *model.ClientMetadata) { m.Localized[0].Value = "Autre" },
		"localized lang":         func(m *model.ClientMetadata) { m.Localized[0].Lang = "fr-CA" },
		"localized field":        func(m *model.ClientMetadata) { m.Localized[0].Field = "tos_uri" },
		"localized removed":      func(m *model.ClientMetadata) { m.Localized = nil },
		"id token alg":           func(m *model.ClientMetadata) { m.IDTokenSignedResponseAlg = "ES256" },
		"post logout":            func(m *model.ClientMetadata) { m.PostLogoutRedirectURIs = []string{"https://example.com/bye"} },
		"empty string in a list": func(m *model.ClientMetadata) { m.Contacts = append(m.Contacts, "") },
	}
	seen := map[string]string{ClientMetadataDigest(base): "base"}
	for name, change := range changes {
		m := base
		m.RedirectURIs = append([]string(nil), base.RedirectURIs...)
		m.Localized = append([]model.LocalizedValue(nil), base.Localized...)
		m.Contacts = append([]string(nil), base.Contacts...)
		change(&m)
		d := ClientMetadataDigest(m)
		if other, dup := seen[d]; dup {
			t.Errorf("%q gives the same digest as %q", name, other)
		}
		seen[d] = name
	}
}
