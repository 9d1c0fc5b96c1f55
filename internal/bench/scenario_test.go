package bench

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultRegistryNames(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff([]string{"exchange", "introspect", "metadata", "refresh", "register", "register-unique"}, DefaultRegistry().Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
}

func TestMetadataRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base string
		want string
	}{
		{base: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/_matrix/client/v1/auth_metadata"},
		{base: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080/_matrix/client/v1/auth_metadata"},
		{base: "https://auth.example.org/prefix", want: "https://auth.example.org/prefix/_matrix/client/v1/auth_metadata"},
	}
	for _, tt := range tests {
		base, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Metadata{}.NewRequester(0, base)
		if err != nil {
			t.Fatal(err)
		}
		first, expect, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		second, _, _ := r.Next()
		if first.Method != http.MethodGet || first.URL.String() != tt.want {
			t.Errorf("base %s: request %s %s, want GET %s", tt.base, first.Method, first.URL, tt.want)
		}
		if diff := cmp.Diff(Expect{http.StatusOK}, expect); diff != "" {
			t.Errorf("expect (-want +got):\n%s", diff)
		}
		if first != second {
			t.Errorf("base %s: a new request was built for the second call; want the bodiless request reused", tt.base)
		}
	}
}

func TestExpectAllows(t *testing.T) {
	t.Parallel()
	e := Expect{200, 204}
	for status, want := range map[int]bool{200: true, 204: true, 201: false, 500: false, 0: false} {
		if got := e.Allows(status); got != want {
			t.Errorf("Allows(%d) = %v, want %v", status, got, want)
		}
	}
}
