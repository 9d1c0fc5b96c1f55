package oauth2

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// qrDeviceID is the shape of a device ID chosen by Element X's QR login (MSC4108): an
// unpadded standard-base64 Curve25519 key, with '+' and '/'.
const qrDeviceID = "4hF/+9Zk0QxJ2mQyWbN5cT8uVr1sLp3oKdEaG7iHjCw"

type scopeView struct {
	String    string
	Tokens    []string
	Canonical []string
	DeviceID  string
	API       bool
	OpenID    bool
}

func viewOf(sc Scope) scopeView {
	return scopeView{sc.String(), sc.Tokens(), sc.CanonicalTokens(), sc.DeviceID(), sc.HasAPI(), sc.HasOpenID()}
}

func TestParseScope(t *testing.T) {
	t.Parallel()
	const (
		api  = "urn:matrix:client:api:*"
		apiU = "urn:matrix:org.matrix.msc2967.client:api:*"
		dev  = "urn:matrix:client:device:"
		devU = "urn:matrix:org.matrix.msc2967.client:device:"
	)
	id255 := strings.Repeat("x", 255)
	tests := []struct {
		name  string
		scope string
		rules ScopeRules
		want  scopeView
	}{
		{
			name:  "empty scope is left to the flow",
			scope: "",
			want:  scopeView{},
		},
		{
			name:  "only spaces",
			scope: "   ",
			want:  scopeView{},
		},
		{
			name:  "spec sample (stable, Element Web js-sdk 43)",
			scope: api + " " + dev + "AAABBBCCCDDD",
			want: scopeView{
				String:    api + " " + dev + "AAABBBCCCDDD",
				Tokens:    []string{api, dev + "AAABBBCCCDDD"},
				Canonical: []string{api, dev + "AAABBBCCCDDD"},
				DeviceID:  "AAABBBCCCDDD", API: true,
			},
		},
		{
			name:  "Element X unstable scopes are echoed as sent and canonicalised",
			scope: apiU + " " + devU + "Ab12Cd34Ef",
			want: scopeView{
				String:    apiU + " " + devU + "Ab12Cd34Ef",
				Tokens:    []string{apiU, devU + "Ab12Cd34Ef"},
				Canonical: []string{api, dev + "Ab12Cd34Ef"},
				DeviceID:  "Ab12Cd34Ef", API: true,
			},
		},
		{
			name:  "older Element Web: openid plus unstable",
			scope: "openid " + apiU + " " + devU + "XYZXYZXYZX",
			want: scopeView{
				String:    "openid " + apiU + " " + devU + "XYZXYZXYZX",
				Tokens:    []string{"openid", apiU, devU + "XYZXYZXYZX"},
				Canonical: []string{"openid", api, dev + "XYZXYZXYZX"},
				DeviceID:  "XYZXYZXYZX", API: true, OpenID: true,
			},
		},
		{
			name:  "QR login device ID with + and /",
			scope: apiU + " " + devU + qrDeviceID,
			want: scopeView{
				String:    apiU + " " + devU + qrDeviceID,
				Tokens:    []string{apiU, devU + qrDeviceID},
				Canonical: []string{api, dev + qrDeviceID},
				DeviceID:  qrDeviceID, API: true,
			},
		},
		{
			name:  "stable and unstable tokens for the same device are one device",
			scope: dev + "SAME " + api + " " + devU + "SAME " + apiU,
			want: scopeView{
				String:    dev + "SAME " + api + " " + devU + "SAME " + apiU,
				Tokens:    []string{dev + "SAME", api, devU + "SAME", apiU},
				Canonical: []string{dev + "SAME", api},
				DeviceID:  "SAME", API: true,
			},
		},
		{
			name:  "duplicates are dropped, first position kept",
			scope: "openid " + api + " openid " + api,
			want: scopeView{
				String:    "openid " + api,
				Tokens:    []string{"openid", api},
				Canonical: []string{"openid", api},
				API:       true, OpenID: true,
			},
		},
		{
			name:  "repeated, leading and trailing spaces are tolerated and normalised",
			scope: "  openid    " + api + "  ",
			want: scopeView{
				String:    "openid " + api,
				Tokens:    []string{"openid", api},
				Canonical: []string{"openid", api},
				API:       true, OpenID: true,
			},
		},
		{
			name:  "device ID may hold colons and every NQCHAR",
			scope: dev + "a:b!#$%&'()*+,-./;<=>?@[]^_`{|}~",
			want: scopeView{
				String:    dev + "a:b!#$%&'()*+,-./;<=>?@[]^_`{|}~",
				Tokens:    []string{dev + "a:b!#$%&'()*+,-./;<=>?@[]^_`{|}~"},
				Canonical: []string{dev + "a:b!#$%&'()*+,-./;<=>?@[]^_`{|}~"},
				DeviceID:  "a:b!#$%&'()*+,-./;<=>?@[]^_`{|}~",
			},
		},
		{
			name:  "device ID of the maximum length",
			scope: dev + id255,
			want: scopeView{
				String: dev + id255, Tokens: []string{dev + id255}, Canonical: []string{dev + id255},
				DeviceID: id255,
			},
		},
		{
			name:  "an extra token the rules allow",
			scope: "email " + api,
			rules: ScopeRules{Extra: []string{"email"}},
			want: scopeView{
				String: "email " + api, Tokens: []string{"email", api}, Canonical: []string{"email", api},
				API: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := tt.rules.Parse(tt.scope)
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want success", tt.scope, err)
			}
			if diff := cmp.Diff(tt.want, viewOf(sc), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.scope, diff)
			}
		})
	}
}

func TestParseScopeRejects(t *testing.T) {
	t.Parallel()
	const (
		api  = "urn:matrix:client:api:*"
		dev  = "urn:matrix:client:device:"
		devU = "urn:matrix:org.matrix.msc2967.client:device:"
	)
	tests := []struct {
		name  string
		scope string
	}{
		{"two different stable devices", dev + "AAA " + dev + "BBB"},
		{"stable and unstable naming different devices", dev + "AAA " + devU + "BBB"},
		{"empty device ID", api + " " + dev},
		{"empty unstable device ID", devU},
		{"device ID too long", dev + strings.Repeat("x", 256)},
		{"double quote in device ID (R39)", dev + `a"b`},
		{"backslash in device ID", dev + `a\b`},
		{"tab between tokens", "openid\t" + api},
		{"newline between tokens", "openid\n" + api},
		{"carriage return", "openid\r"},
		{"NUL byte", "openid\x00"},
		{"DEL byte", "openid\x7f"},
		{"non-ASCII", "openid caf\u00e9"},
		{"no-break space", "openid\u00a0" + api},
		{"MAS admin scope is not granted", "urn:synapse:admin:* " + api},
		{"MAS admin scope (mas)", "urn:mas:admin"},
		{"email without being allowed", "email"},
		{"fine-grained Matrix API scope is unknown", "urn:matrix:client:api:read"},
		{"tokens are case-sensitive", "OPENID"},
		{"prefix without colon", "urn:matrix:client:deviceABC"},
		{"too long overall", strings.Repeat("openid ", MaxScopeLength/7+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := ParseScope(tt.scope)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want invalid_scope", tt.scope, sc.String())
			}
			if got := CodeOf(err); got != CodeInvalidScope {
				t.Errorf("Parse(%q) code = %q, want %q (err %v)", tt.scope, got, CodeInvalidScope, err)
			}
		})
	}
}

func TestScopeRulesExtraAllowsOnlyWhatItLists(t *testing.T) {
	t.Parallel()
	rules := ScopeRules{Extra: []string{"email"}}
	if _, err := rules.Parse("email profile"); CodeOf(err) != CodeInvalidScope {
		t.Errorf("Parse(\"email profile\") = %v, want invalid_scope", err)
	}
	if _, err := rules.Parse("urn:synapse:admin:*"); CodeOf(err) != CodeInvalidScope {
		t.Errorf("Parse(\"urn:synapse:admin:*\") = %v, want invalid_scope", err)
	}
}

func TestParseScopeErrorQuotesLongTokenShortly(t *testing.T) {
	t.Parallel()
	long := "x" + strings.Repeat("y", 1000)
	_, err := ParseScope(long)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("ParseScope = %v, want *Error", err)
	}
	if len(e.Description) > 120 || !strings.Contains(e.Description, "...") {
		t.Errorf("description %q should quote an abbreviated token", e.Description)
	}
}

func TestRequireDevice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope string
		ok    bool
	}{
		{"urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ", true},
		{"urn:matrix:org.matrix.msc2967.client:device:" + qrDeviceID, true},
		{"urn:matrix:client:api:*", false},
		{"openid", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			t.Parallel()
			sc, err := ParseScope(tt.scope)
			if err != nil {
				t.Fatalf("ParseScope(%q) = %v", tt.scope, err)
			}
			err = sc.RequireDevice()
			if got := err == nil; got != tt.ok {
				t.Fatalf("RequireDevice() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && CodeOf(err) != CodeInvalidScope {
				t.Errorf("RequireDevice() code = %q, want invalid_scope", CodeOf(err))
			}
		})
	}
}

func TestScopeTokensIsACopy(t *testing.T) {
	t.Parallel()
	sc, err := ParseScope("openid urn:matrix:client:api:*")
	if err != nil {
		t.Fatal(err)
	}
	sc.Tokens()[0] = "changed"
	if got := sc.String(); got != "openid urn:matrix:client:api:*" {
		t.Errorf("String() = %q after editing Tokens()'s result", got)
	}
}

func TestDeviceScopeTokenParsesBack(t *testing.T) {
	t.Parallel()
	sc, err := ParseScope(DeviceScopeToken(qrDeviceID))
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.DeviceID(); got != qrDeviceID {
		t.Errorf("DeviceID() = %q, want %q", got, qrDeviceID)
	}
}

func FuzzParseScope(f *testing.F) {
	for _, seed := range []string{
		"",
		"openid",
		"urn:matrix:client:api:* urn:matrix:client:device:AAABBBCCCDDD",
		"urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:" + qrDeviceID,
		"urn:matrix:client:device:A urn:matrix:org.matrix.msc2967.client:device:A",
		"urn:matrix:client:device:A urn:matrix:client:device:B",
		"  openid  \t",
		"urn:synapse:admin:*",
		"urn:matrix:client:device:a\"b",
		"email",
	} {
		f.Add(seed)
	}
	rules := ScopeRules{Extra: []string{"email"}}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := rules.Parse(s)
		if err != nil {
			if code := CodeOf(err); code != CodeInvalidScope {
				t.Fatalf("Parse(%q) code = %q, want invalid_scope", s, code)
			}
			return
		}
		again, err := rules.Parse(sc.String())
		if err != nil {
			t.Fatalf("Parse(String()) of %q = %v", s, err)
		}
		if diff := cmp.Diff(viewOf(sc), viewOf(again), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip of %q changed the scope (-first +second):\n%s", s, diff)
		}
		if strings.Contains(sc.String(), "  ") || strings.HasPrefix(sc.String(), " ") || strings.HasSuffix(sc.String(), " ") {
			t.Fatalf("String() = %q is not single-space separated", sc.String())
		}
		if len(sc.DeviceID()) > MaxDeviceIDLength {
			t.Fatalf("DeviceID() is %d bytes", len(sc.DeviceID()))
		}
		for _, tok := range sc.CanonicalTokens() {
			if strings.HasPrefix(tok, "urn:matrix:org.matrix.msc2967.") {
				t.Fatalf("CanonicalTokens() kept the unstable %q", tok)
			}
		}
	})
}
