package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
)

const deviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// baseMetadata is what ParseClientMetadata makes of baseRequest.
func baseMetadata() model.ClientMetadata {
	return model.ClientMetadata{
		RedirectURIs:             []string{"https://example.com/callback"},
		ResponseTypes:            []string{"code"},
		GrantTypes:               []string{"authorization_code"},
		ApplicationType:          model.ApplicationWeb,
		TokenEndpointAuthMethod:  model.AuthNone,
		ClientURI:                "https://example.com/",
		IDTokenSignedResponseAlg: "RS256",
	}
}

func TestParseClientMetadataAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		overrides map[string]any
		opts      RegistrationOptions
		want      func(m *model.ClientMetadata)
	}{
		{"defaults", nil, RegistrationOptions{}, func(m *model.ClientMetadata) {}},
		{"auth method defaults to client_secret_basic (RFC 7591 §2)",
			map[string]any{"token_endpoint_auth_method": absent}, RegistrationOptions{},
			func(m *model.ClientMetadata) { m.TokenEndpointAuthMethod = model.AuthClientSecretBasic }},
		{"client_secret_post", map[string]any{"token_endpoint_auth_method": "client_secret_post"}, RegistrationOptions{},
			func(m *model.ClientMetadata) { m.TokenEndpointAuthMethod = model.AuthClientSecretPost }},
		{"null counts as absent",
			map[string]any{"client_name": nil, "grant_types": nil, "contacts": nil, "application_type": nil},
			RegistrationOptions{}, func(m *model.ClientMetadata) {}},
		{"native", map[string]any{"application_type": "native"}, RegistrationOptions{},
			func(m *model.ClientMetadata) { m.ApplicationType = model.ApplicationNative }},
		{"unknown grant and response types are dropped (R21), the rest sorted and unique",
			map[string]any{
				"grant_types":    []string{"urn:ietf:params:oauth:grant-type:token-exchange", "refresh_token", "authorization_code", "password", "refresh_token"},
				"response_types": []string{"token", "code", "code id_token", "code"},
			}, RegistrationOptions{},
			func(m *model.ClientMetadata) { m.GrantTypes = []string{"authorization_code", "refresh_token"} }},
		{"device_code is kept when supported",
			map[string]any{"grant_types": []string{deviceCode, "authorization_code"}}, RegistrationOptions{},
			func(m *model.ClientMetadata) { m.GrantTypes = []string{"authorization_code", deviceCode} }},
		{"device_code is dropped when turned off",
			map[string]any{"grant_types": []string{deviceCode, "authorization_code"}},
			RegistrationOptions{SupportedGrantTypes: []string{"authorization_code", "refresh_token"}},
			func(m *model.ClientMetadata) {}},
		{"device-code-only client needs no redirect URI and gets no response type",
			map[string]any{"grant_types": []string{deviceCode, "refresh_token"}, "redirect_uris": absent}, RegistrationOptions{},
			func(m *model.ClientMetadata) {
				m.GrantTypes = []string{"refresh_token", deviceCode}
				m.ResponseTypes = nil
				m.RedirectURIs = nil
			}},
		{"refresh_token alone registers (R32 is enforced at authorisation)",
			map[string]any{"grant_types": []string{"refresh_token"}, "redirect_uris": absent}, RegistrationOptions{},
			func(m *model.ClientMetadata) {
				m.GrantTypes = []string{"refresh_token"}
				m.ResponseTypes = nil
				m.RedirectURIs = nil
			}},
		{"names, URIs on the client_uri host or a subdomain, any port",
			map[string]any{
				"client_name": "My App", "logo_uri": "https://cdn.example.com:8443/logo.png",
				"tos_uri": "https://example.com/tos?lang=en", "policy_uri": "https://legal.example.com/privacy",
			}, RegistrationOptions{},
			func(m *model.ClientMetadata) {
				m.ClientName = "My App"
				m.LogoURI = "https://cdn.example.com:8443/logo.png"
				m.TOSURI = "https://example.com/tos?lang=en"
				m.PolicyURI = "https://legal.example.com/privacy"
			}},
		{"empty strings count as absent",
			map[string]any{"client_name": "", "logo_uri": "", "tos_uri": "", "policy_uri": "", "application_type": ""},
			RegistrationOptions{}, func(m *model.ClientMetadata) {}},
		{"localised values are kept sorted; other fields' variants and unknown keys ignored",
			map[string]any{
				"tos_uri#fr":            "https://example.com/fr/tos",
				"client_name#fr":        "Mon appli",
				"client_name#en-GB":     "My App",
				"logo_uri#zh-Hant-TW":   "https://example.com/zh.png",
				"policy_uri#de-CH-1901": "https://example.com/de/privacy",
				"client_uri#fr":         "https://example.fr/",
				"redirect_uris#fr":      []int{1},
				"software_id":           map[string]any{"x": 1},
				"client_name#":          absent,
				"frobnicate#!!":         true,
			}, RegistrationOptions{},
			func(m *model.ClientMetadata) {
				m.Localized = []model.LocalizedValue{
					{Field: "client_name", Lang: "en-GB", Value: "My App"},
					{Field: "client_name", Lang: "fr", Value: "Mon appli"},
					{Field: "logo_uri", Lang: "zh-Hant-TW", Value: "https://example.com/zh.png"},
					{Field: "policy_uri", Lang: "de-CH-1901", Value: "https://example.com/de/privacy"},
					{Field: "tos_uri", Lang: "fr", Value: "https://example.com/fr/tos"},
				}
			}},
		{"contacts: repeats and empty strings dropped",
			map[string]any{"contacts": []string{"a@example.com", "", "b@example.com", "a@example.com"}}, RegistrationOptions{},
			func(m *model.ClientMetadata) { m.Contacts = []string{"a@example.com", "b@example.com"} }},
		{"id_token alg from the allowed list",
			map[string]any{"id_token_signed_response_alg": "ES256"}, RegistrationOptions{SigningAlgs: []string{"ES256", "RS256"}},
			func(m *model.ClientMetadata) { m.IDTokenSignedResponseAlg = "ES256" }},
		{"id_token alg defaults to the server's first alg when it has no RS256",
			nil, RegistrationOptions{SigningAlgs: []string{"ES256"}},
			func(m *model.ClientMetadata) { m.IDTokenSignedResponseAlg = "ES256" }},
		{"client_uri host allowed exactly",
			map[string]any{"client_uri": "https://Example.com/app"}, RegistrationOptions{AllowedClientURIHosts: []string{"other.org", "example.com"}},
			func(m *model.ClientMetadata) { m.ClientURI = "https://Example.com/app" }},
		{"client_uri host allowed as a subdomain",
			map[string]any{"client_uri": "https://example.com/"}, RegistrationOptions{AllowedClientURIHosts: []string{"com"}},
			func(m *model.ClientMetadata) {}},
		{"client_uri with port and IP-literal free host",
			map[string]any{"client_uri": "https://example.com:8443/x?y=1#z"}, RegistrationOptions{},
			func(m *model.ClientMetadata) { m.ClientURI = "https://example.com:8443/x?y=1#z" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseClientMetadata(requestBody(t, tc.overrides), tc.opts)
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			want := baseMetadata()
			tc.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("metadata (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseClientMetadataRejects(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", MaxStringLength+1)
	manyContacts := make([]string, MaxContacts+1)
	manyTypes := make([]string, MaxTypeValues+1)
	manyLocalized := map[string]any{}
	for i := 0; i <= MaxLocalizedValues; i++ {
		manyLocalized[fmt.Sprintf("client_name#x-n%d", i)] = "n"
	}
	tests := []struct {
		name      string
		overrides map[string]any
		opts      RegistrationOptions
		code      string
		fragments []string
	}{
		{"redirect_uris is a string", map[string]any{"redirect_uris": "https://example.com/cb"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"redirect_uris", "array of strings", "a string"}},
		{"redirect_uris holds a number", map[string]any{"redirect_uris": []any{"https://example.com/cb", 5}}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"redirect_uris[1]", "a number"}},
		{"client_name is a number", map[string]any{"client_name": 5}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_name", "must be a string"}},
		{"grant_types is an object", map[string]any{"grant_types": map[string]any{}}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"grant_types", "an object"}},
		{"application_type is a boolean", map[string]any{"application_type": true}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"application_type", "a boolean"}},
		{"unknown application_type", map[string]any{"application_type": "browser"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"application_type", "web or native"}},
		{"unknown auth method", map[string]any{"token_endpoint_auth_method": "private_key_jwt"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"token_endpoint_auth_method", "private_key_jwt"}},
		{"no supported grant type", map[string]any{"grant_types": []string{"password"}}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"grant_types", "none of"}},
		{"empty grant_types", map[string]any{"grant_types": []string{}}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"grant_types"}},
		{"code without authorization_code", map[string]any{"grant_types": []string{"refresh_token"}, "response_types": []string{"code"}},
			RegistrationOptions{}, oauth2.CodeInvalidClientMetadata, []string{"response_types", "RFC 7591 section 2.1"}},
		{"authorization_code without code", map[string]any{"response_types": []string{"token"}}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"grant_types has authorization_code", "RFC 7591 section 2.1"}},
		{"code while authorization_code is turned off", map[string]any{"grant_types": []string{"authorization_code", deviceCode}, "response_types": []string{"code"}},
			RegistrationOptions{SupportedGrantTypes: []string{deviceCode}}, oauth2.CodeInvalidClientMetadata, []string{"response_types has code"}},
		{"client_uri missing", map[string]any{"client_uri": absent}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_uri", "required"}},
		{"client_uri empty", map[string]any{"client_uri": ""}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_uri", "required"}},
		{"client_uri http (R22)", map[string]any{"client_uri": "http://example.com/"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_uri", "https"}},
		{"client_uri userinfo (R22)", map[string]any{"client_uri": "https://u:p@example.com/"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_uri", "user or password"}},
		{"client_uri relative", map[string]any{"client_uri": "example.com"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_uri", "absolute"}},
		{"client_uri without host", map[string]any{"client_uri": "https:///path"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_uri", "host"}},
		{"client_uri host not allowed", map[string]any{"client_uri": "https://example.com/"},
			RegistrationOptions{AllowedClientURIHosts: []string{"element.io", "ample.com"}},
			oauth2.CodeInvalidClientMetadata, []string{"client_uri", "does not accept"}},
		{"logo_uri on another host (R23)", map[string]any{"logo_uri": "https://evil.com/logo.png"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"logo_uri", "evil.com", "client_uri host"}},
		{"logo_uri http", map[string]any{"logo_uri": "http://example.com/logo.png"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"logo_uri", "https"}},
		{"tos_uri userinfo", map[string]any{"tos_uri": "https://u@example.com/tos"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"tos_uri", "user or password"}},
		{"policy_uri on a parent domain", map[string]any{"client_uri": "https://app.example.com/", "redirect_uris": []string{"https://app.example.com/cb"},
			"policy_uri": "https://example.com/privacy"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"policy_uri", "client_uri host"}},
		{"localised URI on another host", map[string]any{"tos_uri#fr": "https://evil.com/tos"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"tos_uri#fr", "client_uri host"}},
		{"bad language tag", map[string]any{"client_name#en_GB": "x"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_name#en_GB", "BCP 47"}},
		{"empty language tag", map[string]any{"client_name#": "x"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"BCP 47"}},
		{"same language twice, in two cases", map[string]any{"client_name#fr": "a", "client_name#FR": "b"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_name", "twice"}},
		{"localised value of the wrong type", map[string]any{"client_name#fr": 3}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_name#fr", "a number"}},
		{"client_name with a line break", map[string]any{"client_name": "App\nClick here to approve"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_name", "control"}},
		{"localised client_name with a control character", map[string]any{"client_name#fr": "App\u0007"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_name#fr", "control"}},
		{"contacts is a string", map[string]any{"contacts": "a@example.com"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"contacts", "array"}},
		{"too many contacts", map[string]any{"contacts": manyContacts}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"contacts", "more than"}},
		{"too many grant types", map[string]any{"grant_types": manyTypes}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"grant_types", "more than"}},
		{"too many localised values", manyLocalized, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"localised values"}},
		{"string too long", map[string]any{"client_name": long}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"client_name", "longer than"}},
		{"array entry too long", map[string]any{"contacts": []string{long}}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"contacts[0]", "longer than"}},
		{"id_token alg not offered", map[string]any{"id_token_signed_response_alg": "HS256"}, RegistrationOptions{},
			oauth2.CodeInvalidClientMetadata, []string{"id_token_signed_response_alg", "HS256", "RS256"}},
		{"id_token alg none", map[string]any{"id_token_signed_response_alg": "none"}, RegistrationOptions{SigningAlgs: []string{"ES256"}},
			oauth2.CodeInvalidClientMetadata, []string{"id_token_signed_response_alg", "ES256"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseClientMetadata(requestBody(t, tc.overrides), tc.opts)
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			checkError(t, err, tc.code, tc.fragments...)
			if diff := cmp.Diff(model.ClientMetadata{}, m); diff != "" {
				t.Errorf("metadata returned with an error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseClientMetadataRawBodies covers what a JSON library would not produce.
func TestParseClientMetadataRawBodies(t *testing.T) {
	t.Parallel()
	valid := `{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"]}`
	tests := []struct {
		name, body string
		fragment   string // "" means the body is accepted
	}{
		{"valid", valid, ""},
		{"valid with whitespace around", " \n\t" + valid + "\n ", ""},
		{"escaped key", `{"client\u005furi":"https://example.com/","redirect_uris":["https://example.com/cb"]}`, ""},
		{"keys are case-sensitive", `{"client_uri":"https://example.com/","Redirect_URIs":["https://example.com/cb"]}`, "at least one"},
		{"empty", ``, "not valid JSON"},
		{"array", `[]`, "JSON object"},
		{"string", `"x"`, "JSON object"},
		{"number", `5`, "JSON object"},
		{"null", `null`, "JSON object"},
		{"unterminated", `{"client_uri":`, "not valid JSON"},
		{"syntax error", `{"client_uri" "x"}`, "not valid JSON"},
		{"trailing garbage", valid + `x`, "after the JSON object"},
		{"second object", valid + `{}`, "after the JSON object"},
		{"duplicate key", `{"client_uri":"https://example.com/","client_uri":"https://evil.com/","redirect_uris":["https://example.com/cb"]}`,
			`"client_uri" appears more than once`},
		{"duplicate unknown key", `{"x":1,"x":2,` + valid[1:], "more than once"},
		{"invalid UTF-8", "{\"client_name\":\"\xff\xfe\"," + valid[1:], "UTF-8"},
		{"too large", `{"x":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseClientMetadata([]byte(tc.body), RegistrationOptions{})
			if tc.fragment == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			code := oauth2.CodeInvalidClientMetadata
			if tc.fragment == "at least one" {
				code = oauth2.CodeInvalidRedirectURI
			}
			checkError(t, err, code, tc.fragment)
		})
	}
}
