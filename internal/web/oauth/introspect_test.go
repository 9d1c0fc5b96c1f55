package oauth

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/oauth2"
)

func TestIntrospectionScope(t *testing.T) {
	t.Parallel()
	const (
		api    = oauth2.ScopeMatrixAPI
		apiU   = oauth2.ScopeMatrixAPIUnstable
		dev    = oauth2.ScopeMatrixDevicePrefix + "ABC"
		devU   = oauth2.ScopeMatrixDevicePrefixUnstable + "ABC"
		admin  = "urn:synapse:admin:*"
		openid = oauth2.ScopeOpenID
	)
	join := func(toks ...string) string { return strings.Join(toks, " ") }
	tests := []struct {
		name, granted, want string
	}{
		{"empty", "", ""},
		{"stable spelling gains the unstable one", join(api, dev), join(api, apiU, dev, devU)},
		{"unstable spelling gains the stable one, stable first", join(apiU, devU), join(api, apiU, dev, devU)},
		{"both spellings are not repeated", join(api, apiU, devU, dev), join(api, apiU, dev, devU)},
		{"other tokens kept in place", join(openid, api, admin, dev), join(openid, api, apiU, admin, dev, devU)},
		{"unknown tokens kept", join("email", api), join("email", api, apiU)},
		{"device IDs with scope characters", oauth2.ScopeMatrixDevicePrefixUnstable + "QR+dev/ice=",
			join(oauth2.ScopeMatrixDevicePrefix+"QR+dev/ice=", oauth2.ScopeMatrixDevicePrefixUnstable+"QR+dev/ice=")},
		{"extra spaces ignored", "  " + api + "   " + dev + " ", join(api, apiU, dev, devU)},
		{"duplicates dropped", join(openid, openid, api, api), join(openid, api, apiU)},
		{"a prefix alone is an empty device ID, still mirrored", oauth2.ScopeMatrixDevicePrefix,
			join(oauth2.ScopeMatrixDevicePrefix, oauth2.ScopeMatrixDevicePrefixUnstable)},
	}
	for _, tt := range tests {
		if got := IntrospectionScope(tt.granted); got != tt.want {
			t.Errorf("%s: IntrospectionScope(%q)\n got %q\nwant %q", tt.name, tt.granted, got, tt.want)
		}
	}
}

// BenchmarkIntrospectionScope: the normalisation runs on every active introspection.
func BenchmarkIntrospectionScope(b *testing.B) {
	granted := oauth2.ScopeMatrixAPI + " " + oauth2.ScopeMatrixDevicePrefix + "ABCDEFGHIJ"
	for b.Loop() {
		_ = IntrospectionScope(granted)
	}
}

// encodingJSON is the reference: what web.WriteJSON would send.
func encodingJSON(t testing.TB, r introspectionResponse) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestIntrospectionJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	zero, big := int64(0), int64(1<<62)
	tests := map[string]introspectionResponse{
		"inactive": {},
		"active access token": {Active: true, Scope: "urn:matrix:client:api:* urn:matrix:org.matrix.msc2967.client:api:*",
			ClientID: "01M8DFR9E1YSNEP9E6XNH0GVDY", Username: "alice", TokenType: "access_token", Exp: 1795749362,
			ExpiresIn: &big, Iat: 1795749062, Sub: "01M8DFR9VPT7G3W8PE5NEK01DB", DeviceID: "QR+dev/ice="},
		"expires_in zero is sent":  {Active: true, ExpiresIn: &zero, Exp: -1},
		"refresh token, no expiry": {Active: true, TokenType: "refresh_token", Iat: 1, Username: "bob"},
		"escapes":                  {Active: true, ClientID: `a"b\\c`, Username: "tab\there\x00", DeviceID: "<&>\u2028é\xff"},
	}
	for name, r := range tests {
		if got, want := string(r.appendJSON(nil)), encodingJSON(t, r); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

func FuzzIntrospectionJSON(f *testing.F) {
	f.Add("urn:matrix:client:api:*", "client", "alice", "01ABC", "DEV", int64(300), int64(1700000000))
	f.Add("\"\\\x01", "<>&", "\u2028\u2029", "\xff\xfe", "é", int64(0), int64(-5))
	f.Fuzz(func(t *testing.T, scope, clientID, username, sub, device string, expiresIn, iat int64) {
		r := introspectionResponse{Active: true, Scope: scope, ClientID: clientID, Username: username,
			TokenType: "access_token", Exp: iat + expiresIn, ExpiresIn: &expiresIn, Iat: iat, Sub: sub, DeviceID: device}
		if got, want := string(r.appendJSON(nil)), encodingJSON(t, r); got != want {
			t.Errorf("got %s\nwant %s", got, want)
		}
	})
}

func BenchmarkIntrospectionJSON(b *testing.B) {
	e := int64(300)
	r := introspectionResponse{Active: true, Scope: IntrospectionScope("urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ"),
		ClientID: "01M8DFR9E1YSNEP9E6XNH0GVDY", Username: "alice", TokenType: "access_token", Exp: 1795749362, ExpiresIn: &e,
		Iat: 1795749062, Sub: "01M8DFR9VPT7G3W8PE5NEK01DB", DeviceID: "ABCDEFGHIJ"}
	buf := make([]byte, 0, 512)
	for b.Loop() {
		buf = r.appendJSON(buf[:0])
	}
}
