package oauth2

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSingleValues(t *testing.T) {
	t.Parallel()
	names := []string{"response_type", "client_id", "state", "scope"}
	tests := []struct {
		name      string
		query     string
		want      Params
		wantError string // "" for success, else the error description
	}{
		{
			name:  "each once",
			query: "response_type=code&client_id=abc&state=xyz&scope=openid",
			want:  Params{"response_type": "code", "client_id": "abc", "state": "xyz", "scope": "openid"},
		},
		{
			name:  "absent parameters are missing from the map",
			query: "client_id=abc",
			want:  Params{"client_id": "abc"},
		},
		{
			name:  "an empty value counts as absent (RFC 6749 §3.1)",
			query: "client_id=abc&state=",
			want:  Params{"client_id": "abc"},
		},
		{
			name:  "an empty repetition does not count",
			query: "state=&state=xyz&state=",
			want:  Params{"state": "xyz"},
		},
		{
			name:  "unnamed parameters are ignored even when repeated",
			query: "client_id=abc&foo=1&foo=2",
			want:  Params{"client_id": "abc"},
		},
		{
			name:      "a repeated parameter is refused",
			query:     "client_id=abc&state=one&state=two",
			wantError: "the parameter 'state' is included more than once",
		},
		{
			name:      "equal repetitions are refused too",
			query:     "scope=openid&scope=openid",
			wantError: "the parameter 'scope' is included more than once",
		},
		{
			name:      "the first repeated name in the given order is reported",
			query:     "scope=a&scope=b&client_id=x&client_id=y",
			wantError: "the parameter 'client_id' is included more than once",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := SingleValues(v, names...)
			if tt.wantError != "" {
				want := InvalidRequest(tt.wantError)
				if diff := cmp.Diff(want, err); diff != "" {
					t.Fatalf("SingleValues error mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("SingleValues = %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("SingleValues mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParamsRequire(t *testing.T) {
	t.Parallel()
	p := Params{"grant_type": "authorization_code", "code": "c"}
	if err := p.Require("grant_type", "code"); err != nil {
		t.Errorf("Require(present) = %v", err)
	}
	err := p.Require("grant_type", "redirect_uri", "code_verifier")
	if diff := cmp.Diff(InvalidRequest("the parameter 'redirect_uri' is missing"), err); diff != "" {
		t.Errorf("Require(missing) mismatch (-want +got):\n%s", diff)
	}
}

func FuzzSingleValues(f *testing.F) {
	f.Add("a=1&b=2")
	f.Add("a=&a=1")
	f.Add("a=1&a=1")
	f.Add("a=%zz&b")
	f.Add(";a=1;a=2")
	f.Fuzz(func(t *testing.T, query string) {
		v, _ := url.ParseQuery(query)
		p, err := SingleValues(v, "a", "b", "")
		if err != nil {
			if CodeOf(err) != CodeInvalidRequest {
				t.Fatalf("SingleValues(%q) code = %q, want invalid_request", query, CodeOf(err))
			}
			return
		}
		for name, value := range p {
			if value == "" {
				t.Fatalf("SingleValues(%q) kept an empty %q", query, name)
			}
			nonEmpty := 0
			for _, candidate := range v[name] {
				if candidate != "" {
					nonEmpty++
				}
			}
			if nonEmpty != 1 {
				t.Fatalf("SingleValues(%q) accepted %q with %d values", query, name, nonEmpty)
			}
		}
	})
}
