package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/oauth2"
)

// absent, as an override value, removes the key from the base request.
type absentValue struct{}

var absent = absentValue{}

// baseRequest is a minimal valid registration of a public web client of example.com.
func baseRequest() map[string]any {
	return map[string]any{
		"client_uri":                 "https://example.com/",
		"redirect_uris":              []string{"https://example.com/callback"},
		"token_endpoint_auth_method": "none",
	}
}

// requestBody encodes baseRequest with overrides applied.
func requestBody(t testing.TB, overrides map[string]any) []byte {
	t.Helper()
	req := baseRequest()
	for k, v := range overrides {
		if v == absent {
			delete(req, k)
			continue
		}
		req[k] = v
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// oauthError returns err as an *oauth2.Error, failing the test if it is another type.
func oauthError(t testing.TB, err error) *oauth2.Error {
	t.Helper()
	var e *oauth2.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *oauth2.Error", err, err)
	}
	if _, direct := err.(*oauth2.Error); !direct {
		t.Fatalf("error %v is wrapped; want an *oauth2.Error itself", err)
	}
	return e
}

// checkError asserts that err has the code and that its description holds every fragment.
func checkError(t testing.TB, err error, code string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want %s", code)
	}
	e := oauthError(t, err)
	if e.Code != code {
		t.Errorf("code = %q (%s); want %q", e.Code, e.Description, code)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Description, f) {
			t.Errorf("description %q does not mention %q", e.Description, f)
		}
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}
