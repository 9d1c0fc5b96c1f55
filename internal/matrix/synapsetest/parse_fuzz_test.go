package synapsetest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzProvisionBody feeds arbitrary bodies to the strict provision_user model: it must never
// panic, and what it accepts must hold a string localpart and no set_X/unset_X pair.
func FuzzProvisionBody(f *testing.F) {
	for _, seed := range []string{
		`{"localpart":"alice"}`,
		`{"localpart":"alice","set_emails":["a@b"],"locked":null}`,
		`{"localpart":"alice","set_displayname":"A","unset_displayname":false}`,
		`{"localpart":1}`, `[]`, `null`, `{"localpart":"a","x":{}}`, "{\"localpart\":\"\xff\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(raw))
		b, apiErr := decode(req, provisionModel)
		if apiErr != nil {
			if apiErr.status != http.StatusBadRequest && apiErr.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("refused with status %d", apiErr.status)
			}
			return
		}
		if _, ok := b.str("localpart"); !ok {
			t.Fatalf("accepted %q without a localpart", raw)
		}
		for _, pair := range provisionModel.exclusive {
			_, first := b[pair[0]]
			_, second := b[pair[1]]
			if first && second {
				t.Fatalf("accepted %q with both %s and %s", raw, pair[0], pair[1])
			}
		}
	})
}

// FuzzIntrospection feeds arbitrary answers to the introspection parser: it must never
// panic, and an accepted answer's expiry must be computable.
func FuzzIntrospection(f *testing.F) {
	for _, seed := range []string{
		`{"active":true,"username":"a","scope":"urn:matrix:client:api:*","expires_in":300}`,
		`{"active":false}`, `{"active":true,"expires_in":1.0}`, `{"active":true,"expires_in":-99999999999999999999999}`,
		`{"active":true,"expires_in":99999999999999999999}`, `{"active":"yes"}`, `[]`, `{"retrieved_at_ms":1}`,
	} {
		f.Add(seed)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		result, err := parseIntrospection([]byte(raw), now)
		if err != nil {
			return
		}
		result.isActive(now.Add(time.Hour))
		if result.expiresIn != nil && *result.expiresIn > 0 && *result.expiresIn < 3600 && result.isActive(now.Add(time.Hour)) {
			t.Fatalf("%q is active past its expiry", raw)
		}
	})
}
