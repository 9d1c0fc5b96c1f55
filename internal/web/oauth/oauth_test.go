package oauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestIssuer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		public, str, prefix, token string
	}{
		{"https://auth.example.com", "https://auth.example.com/", "", "https://auth.example.com/oauth2/token"},
		{"https://auth.example.com/", "https://auth.example.com/", "", "https://auth.example.com/oauth2/token"},
		{"https://example.com/auth/", "https://example.com/auth/", "/auth", "https://example.com/auth/oauth2/token"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/", "", "http://127.0.0.1:8080/oauth2/token"},
	}
	for _, tt := range tests {
		iss, err := NewIssuer(tt.public)
		if err != nil {
			t.Fatal(err)
		}
		if iss.String() != tt.str || iss.PathPrefix() != tt.prefix || iss.URL("/oauth2/token") != tt.token {
			t.Errorf("%s: got %q %q %q", tt.public, iss.String(), iss.PathPrefix(), iss.URL("/oauth2/token"))
		}
	}
}

func TestETagMatches(t *testing.T) {
	t.Parallel()
	const etag = `"abc"`
	tests := []struct {
		header string
		want   bool
	}{
		{`"abc"`, true},
		{`W/"abc"`, true},
		{`"x", "abc"`, true},
		{`*`, true},
		{`"abcd"`, false},
		{`abc`, false},
		{``, false},
		{`,,,`, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, etag); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestMetadataOmitsEmptyLists(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	md := &Metadata{Issuer: "https://a.example/", ResponseTypesSupported: []string{}}
	if err := MountDiscovery(mux, md); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathAuthMetadata, nil))
	if got := rec.Body.String(); got != `{"issuer":"https://a.example/"}` {
		t.Errorf("body %s", got)
	}
	if strings.Contains(rec.Body.String(), "[]") {
		t.Error("an empty array was sent (RFC 8414 §3.2)")
	}
}
