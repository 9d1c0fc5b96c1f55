package doctor

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// checkNames are the checks in the order Run reports them.
var checkNames = []string{
	nameWellKnown, nameVersions, nameAuthMetadata, nameMetadataIssuer, nameAccountManagement, nameCORS,
	"routing /login", "routing /logout", "routing /refresh", nameSharedSecret, nameHTTPSIssuer, nameHTTPSHomeserver,
}

// statuses maps each check to its status, with want's entries overriding an all-ok baseline.
func statuses(overrides map[string]Status) map[string]Status {
	m := map[string]Status{}
	for _, n := range checkNames {
		m[n] = StatusOK
	}
	for n, s := range overrides {
		m[n] = s
	}
	return m
}

func TestRun(t *testing.T) {
	t.Parallel()
	skipAfterWellKnown := map[string]Status{
		nameVersions: StatusSkip, nameAuthMetadata: StatusSkip, nameMetadataIssuer: StatusSkip,
		nameAccountManagement: StatusSkip, nameCORS: StatusSkip, "routing /login": StatusSkip,
		"routing /logout": StatusSkip, "routing /refresh": StatusSkip, nameHTTPSHomeserver: StatusSkip,
	}
	with := func(base map[string]Status, extra map[string]Status) map[string]Status {
		m := map[string]Status{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		edit func(d *fakeDeployment)
		opts func(o *Options, d *fakeDeployment)
		want map[string]Status
		// details are substrings each named check's detail must contain.
		details map[string]string
	}{
		{name: "healthy", details: map[string]string{
			nameVersions: "v1.18 supported", nameMetadataIssuer: "is mxauth's issuer",
			"routing /refresh": "answered by mxauth (HTTP 401)", nameSharedSecret: "accepts",
		}},
		{
			name: "found through the server name",
			opts: func(o *Options, d *fakeDeployment) { o.HomeserverURL = strings.TrimPrefix(d.srv.URL, "https://") },
		},
		{
			name: "no well-known for a server name: clients fall back to https://name",
			edit: func(d *fakeDeployment) { delete(d.routes, "/.well-known/matrix/client") },
			opts: func(o *Options, d *fakeDeployment) { o.HomeserverURL = strings.TrimPrefix(d.srv.URL, "https://") },
			want: map[string]Status{nameWellKnown: StatusWarn},
		},
		{
			name:    "no well-known at a URL given",
			edit:    func(d *fakeDeployment) { delete(d.routes, "/.well-known/matrix/client") },
			want:    map[string]Status{nameWellKnown: StatusSkip},
			details: map[string]string{nameWellKnown: "as given"},
		},
		{
			name: "broken well-known for a server name stops the discovery",
			edit: func(d *fakeDeployment) {
				d.routes["/.well-known/matrix/client"] = func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "oops", http.StatusInternalServerError)
				}
			},
			opts:    func(o *Options, d *fakeDeployment) { o.HomeserverURL = strings.TrimPrefix(d.srv.URL, "https://") },
			want:    with(skipAfterWellKnown, map[string]Status{nameWellKnown: StatusFail}),
			details: map[string]string{nameWellKnown: "HTTP 500", nameVersions: "skipped: "},
		},
		{
			name:    "well-known without base_url",
			edit:    func(d *fakeDeployment) { d.wellKnown["m.homeserver"] = map[string]any{"base_url": 42} },
			want:    map[string]Status{nameWellKnown: StatusFail},
			details: map[string]string{nameWellKnown: "no m.homeserver.base_url string"},
		},
		{
			name: "well-known base_url is not a URL",
			edit: func(d *fakeDeployment) {
				d.wellKnown["m.homeserver"] = map[string]any{"base_url": "matrix.example.org"}
			},
			want:    map[string]Status{nameWellKnown: StatusFail},
			details: map[string]string{nameWellKnown: "not an http or https URL"},
		},
		{
			name:    "well-known without the authentication issuer",
			edit:    func(d *fakeDeployment) { delete(d.wellKnown, wellKnownIssuerKey) },
			want:    map[string]Status{nameWellKnown: StatusWarn},
			details: map[string]string{nameWellKnown: "older clients"},
		},
		{
			name: "well-known names another issuer",
			edit: func(d *fakeDeployment) {
				d.wellKnown[wellKnownIssuerKey] = map[string]any{"issuer": "https://mas.example.test/"}
			},
			want:    map[string]Status{nameWellKnown: StatusWarn},
			details: map[string]string{nameWellKnown: `"https://mas.example.test/" is not mxauth's`},
		},
		{
			name:    "versions too old",
			edit:    func(d *fakeDeployment) { d.versions = []any{"r0.6.1", "v1.9", "v1.14"} },
			want:    map[string]Status{nameVersions: StatusFail},
			details: map[string]string{nameVersions: "newest is v1.14; the OAuth 2.0 API needs v1.15"},
		},
		{
			name:    "versions lists no v1.x",
			edit:    func(d *fakeDeployment) { d.versions = []any{"r0.6.1", 7, "v2"} },
			want:    map[string]Status{nameVersions: StatusFail},
			details: map[string]string{nameVersions: "no v1.x version"},
		},
		{
			name: "OAuth 2.0 API not enabled",
			edit: func(d *fakeDeployment) { delete(d.routes, authMetadataPath) },
			want: map[string]Status{nameAuthMetadata: StatusFail, nameMetadataIssuer: StatusSkip,
				nameAccountManagement: StatusSkip, nameCORS: StatusSkip},
			details: map[string]string{nameAuthMetadata: "404 M_UNRECOGNIZED", nameCORS: "skipped: "},
		},
		{
			name: "metadata is not JSON",
			edit: func(d *fakeDeployment) {
				d.routes[authMetadataPath] = func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }
			},
			want: map[string]Status{nameAuthMetadata: StatusFail, nameMetadataIssuer: StatusSkip,
				nameAccountManagement: StatusSkip, nameCORS: StatusSkip},
			details: map[string]string{nameAuthMetadata: "not a JSON object"},
		},
		{
			name: "missing and incomplete fields",
			edit: func(d *fakeDeployment) {
				delete(d.metadata, "registration_endpoint")
				d.metadata["token_endpoint"] = "/oauth2/token"
				d.metadata["grant_types_supported"] = []string{"authorization_code"}
				d.metadata["response_modes_supported"] = []string{"query"}
				d.metadata["code_challenge_methods_supported"] = "S256"
			},
			want: map[string]Status{nameAuthMetadata: StatusFail},
			details: map[string]string{nameAuthMetadata: `token_endpoint "/oauth2/token" is not an absolute URL; ` +
				`registration_endpoint is missing; grant_types_supported lacks "refresh_token"; ` +
				`response_modes_supported lacks "fragment"; code_challenge_methods_supported is not a list of strings`},
		},
		{
			name:    "issuer with a query",
			edit:    func(d *fakeDeployment) { d.metadata["issuer"] = fakeIssuer + "?x=1" },
			want:    map[string]Status{nameAuthMetadata: StatusFail, nameMetadataIssuer: StatusFail},
			details: map[string]string{nameAuthMetadata: "has a query or fragment"},
		},
		{
			name:    "another authorization server behind the homeserver",
			edit:    func(d *fakeDeployment) { d.metadata["issuer"] = "https://mas.example.test/" },
			want:    map[string]Status{nameMetadataIssuer: StatusFail},
			details: map[string]string{nameMetadataIssuer: `names "https://mas.example.test/", not mxauth's "https://auth.example.test/"`},
		},
		{
			name:    "no account_management_uri",
			edit:    func(d *fakeDeployment) { delete(d.metadata, "account_management_uri") },
			want:    map[string]Status{nameAccountManagement: StatusWarn},
			details: map[string]string{nameAccountManagement: "no account_management_uri"},
		},
		{
			name: "no CORS on the metadata",
			edit: func(d *fakeDeployment) {
				d.routes[authMetadataPath] = func(w http.ResponseWriter, r *http.Request) { writeTestJSON(w, http.StatusOK, d.metadata) }
			},
			want: map[string]Status{nameCORS: StatusWarn},
		},
		{
			name: "login and refresh not routed to mxauth",
			edit: func(d *fakeDeployment) {
				delete(d.routes, "/_matrix/client/v3/login")
				d.routes["/_matrix/client/v3/refresh"] = func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/elsewhere", http.StatusFound)
				}
			},
			want: map[string]Status{"routing /login": StatusFail, "routing /refresh": StatusFail},
			details: map[string]string{"routing /login": "answered by the homeserver, not mxauth (HTTP 404)",
				"routing /refresh": `redirected (HTTP 302 to "/elsewhere")`},
		},
		{
			name:    "Synapse rejects the secret",
			opts:    func(o *Options, d *fakeDeployment) { o.Secret = "not-the-shared-secret-at-all" },
			want:    map[string]Status{nameSharedSecret: StatusFail},
			details: map[string]string{nameSharedSecret: "Synapse rejects the shared secret"},
		},
		{
			name:    "taken localpart still means the secret was accepted",
			edit:    func(d *fakeDeployment) { d.routes[isLocalpartAvailablePathOnly] = statusHandler(http.StatusBadRequest) },
			details: map[string]string{nameSharedSecret: "accepts"},
		},
		{
			name:    "MAS integration off in Synapse",
			edit:    func(d *fakeDeployment) { delete(d.routes, isLocalpartAvailablePathOnly) },
			want:    map[string]Status{nameSharedSecret: StatusFail},
			details: map[string]string{nameSharedSecret: "MAS integration not enabled"},
		},
		{
			name:    "control characters in the secret",
			opts:    func(o *Options, d *fakeDeployment) { o.Secret = "line-one\nline-two-of-the-secret" },
			want:    map[string]Status{nameSharedSecret: StatusFail},
			details: map[string]string{nameSharedSecret: "control characters"},
		},
		{
			name: "http issuer",
			opts: func(o *Options, d *fakeDeployment) { o.Issuer = "http://auth.example.test/" },
			edit: func(d *fakeDeployment) { d.metadata["issuer"] = "http://auth.example.test/" },
			want: map[string]Status{nameHTTPSIssuer: StatusFail, nameWellKnown: StatusWarn},
			details: map[string]string{nameHTTPSIssuer: "mxauth's public URL http://auth.example.test/ does not use https",
				nameMetadataIssuer: "is mxauth's issuer"},
		},
		{
			name: "standalone: any homeserver, no mxauth expected",
			opts: func(o *Options, d *fakeDeployment) {
				*o = Options{HomeserverURL: d.srv.URL, HTTPClient: d.srv.Client()}
			},
			want: map[string]Status{nameMetadataIssuer: StatusSkip, "routing /login": StatusSkip,
				"routing /logout": StatusSkip, "routing /refresh": StatusSkip, nameSharedSecret: StatusSkip},
			details: map[string]string{nameHTTPSIssuer: "the homeserver's issuer https://auth.example.test/ uses https",
				nameMetadataIssuer: "the homeserver names https://auth.example.test/", nameWellKnown: "authentication issuer https://auth.example.test/"},
		},
		{
			name: "standalone with an http issuer",
			opts: func(o *Options, d *fakeDeployment) {
				*o = Options{HomeserverURL: d.srv.URL, HTTPClient: d.srv.Client()}
			},
			edit: func(d *fakeDeployment) { d.metadata["issuer"] = "http://auth.example.test/" },
			want: map[string]Status{nameMetadataIssuer: StatusSkip, "routing /login": StatusSkip,
				"routing /logout": StatusSkip, "routing /refresh": StatusSkip, nameSharedSecret: StatusSkip,
				nameHTTPSIssuer: StatusFail},
		},
		{
			name: "answer over 1 MiB",
			edit: func(d *fakeDeployment) {
				d.routes["/_matrix/client/versions"] = func(w http.ResponseWriter, r *http.Request) {
					_, _ = w.Write([]byte(`{"versions":["` + strings.Repeat("v", maxBodyBytes) + `"]}`))
				}
			},
			want:    map[string]Status{nameVersions: StatusFail},
			details: map[string]string{nameVersions: "larger than 1 MiB"},
		},
		{
			name: "a hanging server is cut off by the timeout",
			edit: func(d *fakeDeployment) {
				d.routes["/_matrix/client/versions"] = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
			},
			opts:    func(o *Options, d *fakeDeployment) { o.Timeout = 200 * time.Millisecond },
			want:    map[string]Status{nameVersions: StatusFail},
			details: map[string]string{nameVersions: "no answer within 200ms"},
		},
		{
			name: "nothing listening",
			opts: func(o *Options, d *fakeDeployment) {
				o.HomeserverURL = "https://127.0.0.1:1"
				o.SynapseEndpoint = "http://127.0.0.1:1"
			},
			want: with(skipAfterWellKnown, map[string]Status{
				nameWellKnown: StatusFail, nameVersions: StatusFail, nameAuthMetadata: StatusFail,
				"routing /login": StatusFail, "routing /logout": StatusFail, "routing /refresh": StatusFail,
				nameSharedSecret: StatusFail, nameHTTPSHomeserver: StatusOK,
			}),
			details: map[string]string{nameSharedSecret: "connection refused"},
		},
		{
			name:    "not a homeserver at all",
			opts:    func(o *Options, d *fakeDeployment) { o.HomeserverURL = "exa mple.org/x" },
			want:    with(skipAfterWellKnown, map[string]Status{nameWellKnown: StatusFail}),
			details: map[string]string{nameWellKnown: "neither a URL nor a Matrix server name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newFakeDeployment()
			if tt.edit != nil {
				tt.edit(d)
			}
			d.start(t)
			opts := d.options()
			if tt.opts != nil {
				tt.opts(&opts, d)
			}
			results := Run(context.Background(), opts)
			got := map[string]Status{}
			var order []string
			for _, r := range results {
				got[r.Name] = r.Status
				order = append(order, r.Name)
				if r.Status != StatusOK && r.Status != StatusSkip && r.Fix == "" {
					t.Errorf("%s: %s without a fix", r.Name, r.Status)
				}
				if r.Status == StatusSkip && !strings.HasPrefix(r.Detail, "skipped: ") {
					t.Errorf("%s: skipped without saying so: %q", r.Name, r.Detail)
				}
			}
			if diff := cmp.Diff(checkNames, order); diff != "" {
				t.Errorf("checks (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(statuses(tt.want), got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s\nresults: %+v", diff, results)
			}
			for name, want := range tt.details {
				for _, r := range results {
					if r.Name == name && !strings.Contains(r.Detail, want) {
						t.Errorf("%s: detail %q lacks %q", name, r.Detail, want)
					}
				}
			}
		})
	}
}

// isLocalpartAvailablePathOnly is the path of the shared-secret probe, without its query.
var isLocalpartAvailablePathOnly, _, _ = strings.Cut(isLocalpartAvailablePath, "?")

func statusHandler(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, status, map[string]string{"errcode": "M_USER_IN_USE", "error": "User ID already taken."})
	}
}

func TestTheSecretNeverShows(t *testing.T) {
	t.Parallel()
	d := newFakeDeployment()
	d.start(t)
	for _, secret := range []string{fakeSecret, "wrong-secret-that-must-stay-hidden", "bad\nsecret-that-must-stay-hidden"} {
		opts := d.options()
		opts.Secret = secret
		results := Run(context.Background(), opts)
		var text, js strings.Builder
		if err := WriteText(&text, results); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&js, results); err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{text.String(), js.String()} {
			if strings.Contains(out, "must-stay-hidden") || strings.Contains(out, fakeSecret) {
				t.Errorf("the secret %q shows in:\n%s", secret, out)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want string // "" for valid; else a substring of the error
	}{
		{"server name", Options{HomeserverURL: "example.org"}, ""},
		{"server name with port", Options{HomeserverURL: "example.org:8448"}, ""},
		{"IPv6 literal", Options{HomeserverURL: "[::1]:8448"}, ""},
		{"URL with path", Options{HomeserverURL: "https://example.org/matrix/"}, ""},
		{"full", Options{HomeserverURL: "https://m.example.org", Issuer: "https://auth.example.org/",
			SynapseEndpoint: "http://localhost:8008/", Timeout: time.Second}, ""},
		{"nothing", Options{}, "no homeserver given"},
		{"not a name", Options{HomeserverURL: "exa mple.org"}, "neither a URL nor a Matrix server name"},
		{"name with a path", Options{HomeserverURL: "example.org/x"}, "neither a URL"},
		{"ftp", Options{HomeserverURL: "ftp://example.org"}, "not an http or https URL"},
		{"URL with a query", Options{HomeserverURL: "https://example.org/?a=b"}, "query or fragment"},
		{"URL with user", Options{HomeserverURL: "https://u:p@example.org"}, "user info"},
		{"bad issuer", Options{HomeserverURL: "example.org", Issuer: "auth.example.org"}, "the issuer"},
		{"bad endpoint", Options{HomeserverURL: "example.org", SynapseEndpoint: "http://"}, "the Synapse endpoint"},
		{"negative timeout", Options{HomeserverURL: "example.org", Timeout: -time.Second}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestParseMatrixVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want matrixVersion
		ok   bool
	}{
		{"v1.15", matrixVersion{1, 15}, true},
		{"v1.9", matrixVersion{1, 9}, true},
		{"v2.0", matrixVersion{2, 0}, true},
		{"r0.6.1", matrixVersion{}, false},
		{"v1", matrixVersion{}, false},
		{"v1.x", matrixVersion{}, false},
		{"v1.-1", matrixVersion{}, false},
		{"1.15", matrixVersion{}, false},
		{"", matrixVersion{}, false},
	}
	for _, tt := range tests {
		got, ok := parseMatrixVersion(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseMatrixVersion(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if !(matrixVersion{1, 9}).less(matrixVersion{1, 15}) || (matrixVersion{2, 0}).less(matrixVersion{1, 15}) {
		t.Error("versions compare as strings, not numbers")
	}
}
