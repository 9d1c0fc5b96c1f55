package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
)

// TestRealClientRegistrations parses the bodies that real Matrix clients send (shared
// CLIENTS.md §1.2, §1.3, §2, §3) and the Matrix spec's registration example.
func TestRealClientRegistrations(t *testing.T) {
	t.Parallel()
	allGrants := []string{"authorization_code", "refresh_token", deviceCode}
	tests := []struct {
		file string
		opts RegistrationOptions
		want model.ClientMetadata
	}{
		{"element-web.json", RegistrationOptions{}, model.ClientMetadata{
			RedirectURIs:             []string{"https://app.element.io/?no_universal_links=true"},
			ResponseTypes:            []string{"code"},
			GrantTypes:               allGrants,
			ApplicationType:          model.ApplicationWeb,
			TokenEndpointAuthMethod:  model.AuthNone,
			ClientName:               "Element",
			ClientURI:                "https://app.element.io/",
			LogoURI:                  "https://app.element.io/vector-icons/1024.png",
			IDTokenSignedResponseAlg: "RS256",
		}},
		{"element-desktop.json", RegistrationOptions{}, model.ClientMetadata{
			RedirectURIs:             []string{"io.element.desktop:/vector/webapp/?no_universal_links=true"},
			ResponseTypes:            []string{"code"},
			GrantTypes:               []string{"authorization_code", "refresh_token"},
			ApplicationType:          model.ApplicationNative,
			TokenEndpointAuthMethod:  model.AuthNone,
			ClientName:               "Element",
			ClientURI:                "https://element.io",
			LogoURI:                  "https://element.io/vector-icons/1024.png",
			TOSURI:                   "https://element.io/terms-of-service",
			PolicyURI:                "https://element.io/cookie-policy",
			IDTokenSignedResponseAlg: "RS256",
		}},
		{"element-x.json", RegistrationOptions{SigningAlgs: []string{"ES256", "RS256"}}, model.ClientMetadata{
			RedirectURIs:            []string{"io.element:/callback"},
			ResponseTypes:           []string{"code"},
			GrantTypes:              allGrants,
			ApplicationType:         model.ApplicationNative,
			TokenEndpointAuthMethod: model.AuthNone,
			ClientName:              "Element X",
			ClientURI:               "https://element.io",
			LogoURI:                 "https://element.io/mobile-icon.png",
			TOSURI:                  "https://element.io/user-terms-of-service",
			PolicyURI:               "https://element.io/privacy",
			// client_uri#fr is not one of the Matrix spec's localisable fields: dropped.
			Localized:                []model.LocalizedValue{{Field: "client_name", Lang: "fr", Value: "Element X (fr)"}},
			IDTokenSignedResponseAlg: "RS256",
		}},
		{"element-x-loopback.json", RegistrationOptions{}, model.ClientMetadata{
			RedirectURIs:             []string{"http://127.0.0.1/callback", "http://localhost/callback", "http://[::1]/callback"},
			ResponseTypes:            []string{"code"},
			GrantTypes:               allGrants,
			ApplicationType:          model.ApplicationNative,
			TokenEndpointAuthMethod:  model.AuthNone,
			ClientName:               "Element X",
			ClientURI:                "https://element.io",
			IDTokenSignedResponseAlg: "RS256",
		}},
		{"js-sdk-41.json", RegistrationOptions{SigningAlgs: []string{"ES256", "RS256"}}, model.ClientMetadata{
			RedirectURIs:             []string{"https://app.element.io/"},
			ResponseTypes:            []string{"code"},
			GrantTypes:               []string{"authorization_code", "refresh_token"},
			ApplicationType:          model.ApplicationWeb,
			TokenEndpointAuthMethod:  model.AuthNone,
			ClientName:               "Element",
			ClientURI:                "https://app.element.io/",
			LogoURI:                  "https://app.element.io/vector-icons/1024.png",
			Contacts:                 []string{"support@element.io"},
			IDTokenSignedResponseAlg: "RS256",
		}},
		{"spec-example.json", RegistrationOptions{}, model.ClientMetadata{
			RedirectURIs:            []string{"https://app.example.com/callback"},
			ResponseTypes:           []string{"code"},
			GrantTypes:              []string{"authorization_code", "refresh_token"}, // token-exchange dropped
			ApplicationType:         model.ApplicationWeb,
			TokenEndpointAuthMethod: model.AuthNone,
			ClientName:              "My App",
			ClientURI:               "https://example.com/",
			LogoURI:                 "https://example.com/logo.png",
			TOSURI:                  "https://example.com/tos.html",
			PolicyURI:               "https://example.com/policy.html",
			Localized: []model.LocalizedValue{
				{Field: "client_name", Lang: "fr", Value: "Mon application"},
				{Field: "policy_uri", Lang: "fr", Value: "https://example.com/fr/policy.html"},
				{Field: "tos_uri", Lang: "fr", Value: "https://example.com/fr/tos.html"},
			},
			IDTokenSignedResponseAlg: "RS256",
		}},
		{"device-only.json", RegistrationOptions{}, model.ClientMetadata{
			GrantTypes:               []string{"refresh_token", deviceCode},
			ApplicationType:          model.ApplicationNative,
			TokenEndpointAuthMethod:  model.AuthNone,
			ClientName:               "TV app",
			ClientURI:                "https://tv.example.com/",
			IDTokenSignedResponseAlg: "RS256",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			got, err := ParseClientMetadata(readTestdata(t, tc.file), tc.opts)
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("metadata (-want +got):\n%s", diff)
			}
		})
	}
}

// TestElementDesktopNeedsNative: the private-use redirect of Element Desktop is refused when
// the client does not say it is native (R20).
func TestElementDesktopNeedsNative(t *testing.T) {
	t.Parallel()
	body := []byte(`{"client_uri":"https://element.io","redirect_uris":["io.element.desktop:/vector/webapp/?no_universal_links=true"]}`)
	_, err := ParseClientMetadata(body, RegistrationOptions{})
	checkError(t, err, "invalid_redirect_uri", "io.element.desktop:/vector/webapp/", "native")
}
