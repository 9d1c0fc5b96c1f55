package policy

import (
	"testing"

	"github.com/mxauth/mxauth/internal/oauth2"
)

// FuzzParseClientMetadata: no input panics; every refusal is an *oauth2.Error with one of the
// two RFC 7591 §3.2.2 codes; every accepted registration survives encode → parse unchanged.
func FuzzParseClientMetadata(f *testing.F) {
	for _, file := range seedFiles {
		f.Add(readTestdata(f, file))
	}
	for _, junk := range []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"a":1,"a":2}`, `{"redirect_uris":"x"}`, `{"client_name":5}`,
		"{\"client_name\":\"\xff\"}", `{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"]}{}`,
		`{"client_uri":"https://example.com/","redirect_uris":["com.example:/cb"],"application_type":"native"}`,
		`{"client_uri":"https://example.com/","redirect_uris":["http://[::1]/cb"],"application_type":"native"}`,
		`{"client_uri":"https://example.com/","grant_types":["refresh_token"],"client_name#fr-CA":"x","logo_uri#x-a":"https://example.com/l"}`,
		`{"client_uri":"https://u@example.com/"}`, `{"client_uri":"https://example.com/","redirect_uris":["https://example.com/#"]}`,
		`{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"],"contacts":["a","a",""],"response_types":null}`,
		`{"client_uri":"https://[::1]/","redirect_uris":["https://[::1]:8443/cb"]}`,
		`{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"],"client_name":"\u2028<&>"}`,
		`{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"],"client_name#FR":"a","client_name#fr":"b"}`,
		`{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"],"id_token_signed_response_alg":"ES256"}`,
		`{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"],"grant_types":[1,2]}`,
		`{"client_uri":"https://example.com/","redirect_uris":["https://example.com/cb"],"response_types":["code",{"a":[]}]}`,
	} {
		f.Add([]byte(junk))
	}
	opts := RegistrationOptions{SigningAlgs: []string{"ES256", "RS256"}}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseClientMetadata(body, opts)
		if err != nil {
			e, ok := err.(*oauth2.Error)
			if !ok {
				t.Fatalf("error %v is a %T, not an *oauth2.Error", err, err)
			}
			if e.Code != oauth2.CodeInvalidClientMetadata && e.Code != oauth2.CodeInvalidRedirectURI {
				t.Fatalf("error code %q: %v", e.Code, e)
			}
			if e.Description == "" {
				t.Fatal("error without a description")
			}
			return
		}
		if len(encodeForTest(t, m)) > MaxBodyBytes {
			t.Skip("the re-encoded body is over the size limit")
		}
		checkRoundTrip(t, m, opts)
	})
}
