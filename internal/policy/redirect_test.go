package policy

import (
	"testing"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
)

// TestRedirectURIRules runs every example of Matrix CS API §Redirect URI validation (client
// URI https://example.com/), the extra vectors of checklist items R20 and R24–R28, and edge
// cases of the same rules.
func TestRedirectURIRules(t *testing.T) {
	t.Parallel()
	web, native := model.ApplicationWeb, model.ApplicationNative
	tests := []struct {
		applicationType string // "" leaves application_type out (defaults to web)
		uri             string
		valid           bool
		rule            string // a fragment of the description when invalid
	}{
		// Spec, web clients.
		{web, "https://example.com/callback", true, ""},
		{web, "https://app.example.com/callback", true, ""},
		{web, "https://example.com:5173/?query=value", true, ""},
		{web, "https://example.com/callback#fragment", false, "fragment"},
		{web, "http://example.com/callback", false, "https"},
		{web, "http://localhost/", false, "https"},
		// R25, R20: another host; a private-use scheme for an omitted (web) type.
		{web, "https://app.com/callback", false, "client_uri host"},
		{"", "com.example.app:/cb", false, "native"},
		{"", "https://example.com/callback", true, ""},
		// Web edge cases.
		{web, "https://EXAMPLE.com/callback", true, ""},
		{web, "https://example.com", true, ""},
		{web, "https://deep.app.example.com/x?a=1&b=2", true, ""},
		{web, "https://notexample.com/callback", false, "client_uri host"},
		{web, "https://example.com.evil.org/callback", false, "client_uri host"},
		{web, "https://example.com/callback#", false, "fragment"},
		{web, "https://user:pass@example.com/callback", false, "user or password"},
		{web, "https://@example.com/callback", false, "user or password"},
		{web, "https://example.com/call back", false, "not allowed in a URI"},
		{web, "https://example.com/callback?a=%zz", false, "percent-encoding"},
		{web, "https://example.com/callback?a=1;b=2", false, "x-www-form-urlencoded"},
		{web, "https://example.com:99999/callback", false, "port"},
		{web, "https://example.com:/callback", false, "port"},
		{web, "https://example.com./callback", false, "host"},
		{web, "https:example.com/callback", false, "host"},
		{web, "/callback", false, "absolute"},
		{web, "", false, "empty"},
		{web, "https://ex\u00e4mple.com/callback", false, "not allowed in a URI"},
		// Spec, native clients.
		{native, "com.example.app:/callback", true, ""},
		{native, "com.example:/", true, ""},
		{native, "com.example:callback", true, ""},
		{native, "http://localhost/callback", true, ""},
		{native, "http://127.0.0.1/callback", true, ""},
		{native, "http://[::1]/callback", true, ""},
		{native, "example:/callback", false, "reverse domain name"},
		{native, "com.example.app://callback", false, "authority"},
		{native, "https://localhost/callback", false, "client_uri host"},
		{native, "http://localhost:1234/callback", false, "port"},
		// R26, R27, R28.
		{native, "com.exampleapp:/cb", false, "reverse-DNS"},
		{native, "https://app.example.com/cb", true, ""},
		{native, "https://other.org/cb", false, "client_uri host"},
		// Native edge cases.
		{native, "COM.Example.App:/callback", true, ""},
		{native, "com.example.app:/cb?x=1", true, ""},
		{native, "com.example:///callback", false, "authority"},
		{native, "com.example.app:/cb#frag", false, "fragment"},
		{native, "org.example:/cb", false, "reverse-DNS"},
		{native, "example.com:/cb", false, "reverse-DNS"},
		{native, "com:/cb", false, "reverse domain name"},
		{native, "http://example.com/cb", false, "loopback"},
		{native, "http://192.168.1.1/cb", false, "loopback"},
		{native, "http://[0:0:0:0:0:0:0:1]/cb", false, "loopback"},
		{native, "http://127.0.0.1:8080/cb", false, "port"},
		{native, "http://localhost:/cb", false, "port"},
		{native, "http://user@localhost/cb", false, "user or password"},
		{native, "http://LOCALHOST/cb", true, ""},
		{native, "http://127.0.0.1", true, ""},
		{native, "https://example.com/cb#x", false, "fragment"},
	}
	for _, tc := range tests {
		t.Run(tc.applicationType+" "+tc.uri, func(t *testing.T) {
			t.Parallel()
			appType := any(tc.applicationType)
			if tc.applicationType == "" {
				appType = absent
			}
			body := requestBody(t, map[string]any{
				"application_type": appType,
				"redirect_uris":    []string{tc.uri},
			})
			m, err := ParseClientMetadata(body, RegistrationOptions{})
			if tc.valid {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if len(m.RedirectURIs) != 1 || m.RedirectURIs[0] != tc.uri {
					t.Errorf("RedirectURIs = %q; want [%q] unchanged", m.RedirectURIs, tc.uri)
				}
				return
			}
			checkError(t, err, oauth2.CodeInvalidRedirectURI, "redirect_uris[0]", tc.rule)
			if tc.uri != "" {
				checkError(t, err, oauth2.CodeInvalidRedirectURI, quoteField(tc.uri))
			}
		})
	}
}

func TestRedirectURIListRules(t *testing.T) {
	t.Parallel()
	tooMany := make([]string, MaxRedirectURIs+1)
	for i := range tooMany {
		tooMany[i] = "https://example.com/cb"
	}
	t.Run("the second bad URI is named by index", func(t *testing.T) {
		t.Parallel()
		body := requestBody(t, map[string]any{"redirect_uris": []string{"https://example.com/a", "https://evil.org/b"}})
		_, err := ParseClientMetadata(body, RegistrationOptions{})
		checkError(t, err, oauth2.CodeInvalidRedirectURI, "redirect_uris[1]", "https://evil.org/b")
	})
	t.Run("repeats are dropped, order kept", func(t *testing.T) {
		t.Parallel()
		body := requestBody(t, map[string]any{"redirect_uris": []string{
			"https://example.com/b", "https://example.com/a", "https://example.com/b",
		}})
		m, err := ParseClientMetadata(body, RegistrationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(m.RedirectURIs), 2; got != want || m.RedirectURIs[0] != "https://example.com/b" {
			t.Errorf("RedirectURIs = %q; want [b a]", m.RedirectURIs)
		}
	})
	t.Run("too many", func(t *testing.T) {
		t.Parallel()
		_, err := ParseClientMetadata(requestBody(t, map[string]any{"redirect_uris": tooMany}), RegistrationOptions{})
		checkError(t, err, oauth2.CodeInvalidClientMetadata, "redirect_uris", "more than 20")
	})
	t.Run("required for authorization_code", func(t *testing.T) {
		t.Parallel()
		for _, uris := range []any{absent, []string{}, nil} {
			_, err := ParseClientMetadata(requestBody(t, map[string]any{"redirect_uris": uris}), RegistrationOptions{})
			checkError(t, err, oauth2.CodeInvalidRedirectURI, "redirect_uris", "at least one")
		}
	})
	t.Run("post_logout_redirect_uris follow the same rules", func(t *testing.T) {
		t.Parallel()
		ok := requestBody(t, map[string]any{"post_logout_redirect_uris": []string{"https://app.example.com/bye"}})
		m, err := ParseClientMetadata(ok, RegistrationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.PostLogoutRedirectURIs) != 1 {
			t.Errorf("PostLogoutRedirectURIs = %q", m.PostLogoutRedirectURIs)
		}
		bad := requestBody(t, map[string]any{"post_logout_redirect_uris": []string{"https://example.com/bye#x"}})
		_, err = ParseClientMetadata(bad, RegistrationOptions{})
		checkError(t, err, oauth2.CodeInvalidRedirectURI, "post_logout_redirect_uris[0]", "fragment")
	})
}

func TestReverseDNSPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme, host string
		want         bool
	}{
		{"com.example", "example.com", true},
		{"com.example.app", "example.com", true},
		{"com.example.app", "EXAMPLE.com", true},
		{"io.element.desktop", "element.io", true},
		{"com.exampleapp", "example.com", false},
		{"example", "example.com", false},
		{"com", "example.com", false},
		{"com.example", "app.example.com", false},
		{"com.example.app", "app.example.com", true},
		{"1.0.0.127", "127.0.0.1", false},
		{"localhost.app", "localhost", true},
	}
	for _, tc := range tests {
		if got := reverseDNSPrefix(tc.scheme, tc.host); got != tc.want {
			t.Errorf("reverseDNSPrefix(%q, %q) = %v; want %v", tc.scheme, tc.host, got, tc.want)
		}
	}
}
