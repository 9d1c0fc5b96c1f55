package account

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/language"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
)

func TestDescribeScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope string
		want  []string
	}{
		{"", nil},
		{"openid", []string{msgScopeOpenID}},
		{"urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ", []string{msgScopeMatrixAPI, msgScopeMatrixDevice}},
		// The stable and the MSC2967 forms of one permission say it once, wherever they stand.
		{"urn:matrix:client:api:* openid urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:X urn:matrix:client:device:X",
			[]string{msgScopeMatrixAPI, msgScopeOpenID, msgScopeMatrixDevice}},
		{"email profile urn:matrix:client:api:read", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, m := range describeScope(tc.scope) {
			if m.Data != nil {
				t.Errorf("describeScope(%q): %s has data %v", tc.scope, m.ID, m.Data)
			}
			got = append(got, m.ID)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("describeScope(%q) (-want +got):\n%s", tc.scope, diff)
		}
	}
}

func TestClientViewPicksTheUsersLanguage(t *testing.T) {
	t.Parallel()
	m := model.ClientMetadata{
		ClientName: "Chat", ClientURI: "https://chat.example.org", LogoURI: "https://chat.example.org/logo.png",
		TOSURI: "https://chat.example.org/tos", PolicyURI: "https://chat.example.org/privacy",
		Localized: []model.LocalizedValue{
			{Field: "client_name", Lang: "de-DE", Value: "Plaudern"},
			{Field: "client_name", Lang: "fr", Value: "Bavarder"},
			{Field: "client_name", Lang: "not a tag!", Value: "Broken"},
			{Field: "logo_uri", Lang: "fr", Value: "https://chat.example.org/logo-fr.png"},
			{Field: "tos_uri", Lang: "de-DE", Value: "https://chat.example.org/agb"},
			{Field: "policy_uri", Lang: "de-DE", Value: "https://chat.example.org/datenschutz"},
		},
	}
	base := template.ClientView{Name: "Chat", URI: m.ClientURI, LogoURI: m.LogoURI, TOSURI: m.TOSURI, PolicyURI: m.PolicyURI}
	german := base
	german.Name, german.TOSURI, german.PolicyURI = "Plaudern", "https://chat.example.org/agb", "https://chat.example.org/datenschutz"
	french := base
	french.Name, french.LogoURI = "Bavarder", "https://chat.example.org/logo-fr.png"
	tests := []struct {
		acceptLanguage string
		want           template.ClientView
	}{
		{"", base},
		{"en-US,en;q=0.9", base},
		{"de", german},
		{"de-AT", german},
		{"fr-CA, de;q=0.8", french},
		{"es, de;q=0.1", german},
		{"de;q=0.4, fr;q=0.6", french},
		{"not a tag!", base},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, clientView(m, tc.acceptLanguage)); diff != "" {
			t.Errorf("clientView for %q (-want +got):\n%s", tc.acceptLanguage, diff)
		}
	}
	if diff := cmp.Diff(base, clientView(model.ClientMetadata{ClientName: "Chat", ClientURI: m.ClientURI,
		LogoURI: m.LogoURI, TOSURI: m.TOSURI, PolicyURI: m.PolicyURI}, "de")); diff != "" {
		t.Errorf("clientView without localized values (-want +got):\n%s", diff)
	}
}

func TestPreferredLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		available []string
		prefs     string
		want      string
		wantOK    bool
	}{
		{[]string{"fr", "de"}, "de-CH", "de", true},
		{[]string{"en-GB", "fr"}, "en", "en-GB", true},
		{[]string{"fr"}, "ja", "", false},
		{[]string{"!!"}, "de", "", false},
		{nil, "de", "", false},
		{[]string{"de"}, "", "", false},
		{[]string{"de", "de", "fr"}, "fr", "fr", true},
	}
	for _, tc := range tests {
		var prefs []language.Tag = i18n.Preferences(tc.prefs)
		got, ok := preferredLanguage(tc.available, prefs)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("preferredLanguage(%v, %q) = %q, %v, want %q, %v", tc.available, tc.prefs, got, ok, tc.want, tc.wantOK)
		}
	}
}
