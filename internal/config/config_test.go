package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDefaultsResolve(t *testing.T) {
	t.Parallel()
	cfg, err := Load("", nil, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.HTTP.PublicURL, "http://127.0.0.1:8080/"; got != want {
		t.Errorf("public url = %q, want %q", got, want)
	}
	if got, want := cfg.Database.URL, "sqlite:"+filepath.Join("mxauth-data", "mxauth.db"); got != want {
		t.Errorf("database url = %q, want %q", got, want)
	}
	if p := cfg.Validate(); p != nil {
		t.Errorf("defaults do not validate: %v", p)
	}
	if len(cfg.Warnings()) != 1 {
		t.Errorf("want one warning about the http issuer, got %v", cfg.Warnings())
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	writeFile(t, file, "http:\n  listen: [\"127.0.0.1:1\"]\n  public_url: https://file.example/\ndata_dir: /from-file\n")
	env := mapEnv(map[string]string{
		"MXAUTH_PUBLIC_URL": "https://env.example",
		"MXAUTH_LISTEN":     "127.0.0.1:2, unix:/tmp/s.sock",
	})
	tests := []struct {
		name string
		ov   Overrides
		want []string // listen..., public url, data dir, db url
	}{
		{"env over file", Overrides{}, []string{"127.0.0.1:2", "unix:/tmp/s.sock", "https://env.example/", "/from-file", "sqlite:/from-file/mxauth.db"}},
		{"flags over env", Overrides{Listen: []string{"[::1]:3"}, PublicURL: "https://flag.example/x", DataDir: "/flag", DatabaseURL: "postgres://h/db"},
			[]string{"[::1]:3", "https://flag.example/x/", "/flag", "postgres://h/db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(file, env, tt.ov)
			if err != nil {
				t.Fatal(err)
			}
			got := append(append([]string{}, cfg.HTTP.Listen...), cfg.HTTP.PublicURL, cfg.DataDir, cfg.Database.URL)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func TestLoadReportsKeysAndLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown top-level", "bogus: 1\n", []string{"bogus (line 1): unknown key"}},
		{"unknown nested, all reported", "http:\n  listen: [\"a:1\"]\n  lisen: x\nlog:\n  colour: red\n",
			[]string{"http.lisen (line 3): unknown key", "log.colour (line 5): unknown key"}},
		{"unknown in list item", "secrets:\n  keys:\n    - kid: a\n      path: /x\n", []string{"secrets.keys[0].path (line 4): unknown key"}},
		{"wrong type", "http:\n  max_body_bytes: lots\n", []string{"http.max_body_bytes (line 2): cannot unmarshal !!str `lots` into int64"}},
		{"bad duration", "http:\n  idle_timeout: forever\n", []string{"http.idle_timeout (line 2): "}},
		{"not a mapping", "- a\n- b\n", []string{"(file) (line 1): the top level must be a mapping of keys to values"}},
		{"syntax error", "http: [\n", []string{"(file) (line "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.yaml))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want Problems", err)
			}
			if len(ps) != len(tt.want) {
				t.Fatalf("got %d problems %v, want %d", len(ps), ps, len(tt.want))
			}
			for i, p := range ps {
				if !strings.HasPrefix(p.String(), tt.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, p.String(), tt.want[i])
				}
			}
		})
	}
}

func TestEmptyFileIsDefaults(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "\n", "# only a comment\n", "~\n"} {
		cfg, err := Parse([]byte(body))
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if cfg.HTTP.MaxBodyBytes != 1<<20 || cfg.HTTP.ShutdownTimeout != 30*time.Second {
			t.Errorf("%q: defaults lost: %+v", body, cfg.HTTP)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"valid postgres", "database:\n  url: postgres://u:p@h/db\nsecrets:\n  encryption: " + secret + "\n", nil},
		{"postgres needs secret", "database:\n  url: postgres://u:p@h/db\n",
			[]string{"secrets.encryption: is required with PostgreSQL"}},
		{"short secret", "secrets:\n  encryption: abcd\n", []string{"secrets.encryption (line 2): must be 64 hexadecimal"}},
		{"both secrets", "secrets:\n  encryption: " + secret + "\n  encryption_file: /x\n", []string{"secrets.encryption (line 2): set either"}},
		{"bad listen", "http:\n  listen: [\"nope\", \"h:99999\", \"unix:\"]\n", []string{
			`http.listen[0] (line 2): "nope" is not host:port`, `http.listen[1] (line 2): "h:99999" has an invalid port`, `http.listen[2] (line 2): "unix:" names no socket path`}},
		{"public url with query", "http:\n  public_url: https://a.example/?x=1\n", []string{"http.public_url (line 2): must not have a query"}},
		{"public url with fragment", "http:\n  public_url: https://a.example/#f\n", []string{"http.public_url (line 2): must not have a fragment"}},
		{"public url scheme", "http:\n  public_url: ftp://a.example/\n", []string{"http.public_url (line 2): must be an http or https URL"}},
		{"public url userinfo", "http:\n  public_url: https://u:p@a.example/\n", []string{"http.public_url (line 2): must not contain user information"}},
		{"unix only needs public url", "http:\n  listen: [\"unix:/tmp/x\"]\n", []string{"http.public_url (line 1): must be set"}},
		{"bad proxy", "http:\n  trusted_proxies: [\"10.0.0.0/8\", \"lan\"]\n", []string{`http.trusted_proxies[1] (line 2): "lan" is neither`}},
		{"zero body cap", "http:\n  max_body_bytes: 0\n", []string{"http.max_body_bytes (line 2): must be greater than zero"}},
		{"bad db url", "database:\n  url: mysql://x\n", []string{`database.url (line 2): "mysql://x" is neither`}},
		{"db password redacted", "database:\n  url: mysql://u:hunter2@x\n", []string{`database.url (line 2): "mysql://u:xxxxx@x" is neither`}},
		{"key needs one source", "secrets:\n  keys:\n    - kid: a\n", []string{"secrets.keys[0] (line 3): set exactly one of file and pem"}},
		{"log values", "log:\n  format: xml\n  level: loud\n", []string{`log.format (line 2): "xml" is not`, `log.level (line 3): "loud" is not`}},
		{"metrics listen", "metrics:\n  listen: bad\n", []string{`metrics.listen (line 2): "bad" is not host:port`}},
		{"registration", "registration:\n  dynamic: maybe\n  allowed_client_uri_hosts: [\"Element.io\", \"https://x\"]\n  unused_client_max_age: 0s\n  rate_limit:\n    burst: 0\n    per_second: -1\n", []string{
			`registration.dynamic (line 2): "maybe" is not one of open, closed`,
			`registration.allowed_client_uri_hosts[0] (line 3): "Element.io" is not a lower-case host name`,
			`registration.allowed_client_uri_hosts[1] (line 3): "https://x" is not`,
			`registration.unused_client_max_age (line 4): must be greater than zero`,
			`registration.rate_limit.burst (line 6): must be at least 1`,
			`registration.rate_limit.per_second (line 7): must be greater than zero`}},
		{"oauth lifetimes", "oauth:\n  access_token_ttl: 0s\n  authorization_code_ttl: 1h\n", []string{
			"oauth.access_token_ttl (line 2): must be greater than zero",
			"oauth.authorization_code_ttl (line 3): must be at most 10m"}},
		{"server names", "matrix:\n  homeserver: \"bad name\"\n", []string{`matrix.homeserver (line 2): "bad name" is not a Matrix server name`}},
		{"server name with port and IPv6", "matrix:\n  homeserver: \"[::1]:8448\"\n", nil},
		{"server name bad port", "matrix:\n  homeserver: \"example.com:99999\"\n", []string{`matrix.homeserver (line 2):`}},
		{"matrix secret", "matrix:\n  secret: short\n", []string{"matrix.secret (line 2): is too short"}},
		{"matrix synapse needs endpoint and secret", "matrix:\n  kind: synapse\n", []string{
			"matrix.secret (line 1): is required with kind synapse",
			"matrix.endpoint (line 1): must be Synapse's base URL"}},
		{"matrix kind", "matrix:\n  kind: dendrite\n", []string{`matrix.kind (line 2): "dendrite" is not one of none, synapse`}},
		{"matrix synapse valid", "matrix:\n  kind: synapse\n  endpoint: http://localhost:8008/\n  secret: 0123456789abcdef0123\n", nil},
		{"account", "account:\n  registration: maybe\n  password_min_length: 0\n  banned_usernames:\n    regexes: [\"(\"]\n", []string{
			`account.registration (line 2): "maybe" is not one of open, token, closed`,
			"account.password_min_length (line 3): must be between 1 and 256",
			"account.banned_usernames.regexes[0] (line 5): is not a valid regular expression"}},
		{"branding", "branding:\n  logo_uri: http://x/logo.png\n  tos_uri: /tos\n  policy_uri: ftp://x/p\n", []string{
			"branding.logo_uri (line 2): must be an https URL",
			`branding.tos_uri (line 3): "/tos" is not an absolute URL`,
			"branding.policy_uri (line 4): must be an http or https URL"}},
		{"rate limiting", "rate_limiting:\n  login:\n    per_ip: {burst: 0, per_second: 1}\n  registration: {burst: 1, per_second: 0}\n", []string{
			"rate_limiting.login.per_ip.burst (line 3): must be at least 1",
			"rate_limiting.registration.per_second (line 4): must be greater than zero"}},
		{"two peppers", "passwords:\n  bcrypt_pepper: a\n  bcrypt_pepper_file: /b\n", []string{"passwords.bcrypt_pepper (line 2): set either"}},
		{"valid static clients", "clients:\n  - client_id: bot\n    client_secret: s3cret\n    grant_types: [client_credentials]\n  - client_id: cli\n    token_endpoint_auth_method: none\n    redirect_uris: [\"http://127.0.0.1/cb\"]\n", nil},
		{"static client problems", "clients:\n  - client_id: bot\n  - client_id: bot\n    client_secret: x\n    client_secret_file: /y\n  - client_id: \"a b\"\n    token_endpoint_auth_method: none\n    client_secret: x\n    redirect_uris: [\"/rel\", \"https://x/#f\"]\n    grant_types: [password]\n  - client_id: \"\"\n    token_endpoint_auth_method: private_key_jwt\n", []string{
			`clients[0].client_secret (line 2): a confidential client needs`,
			`clients[1].client_id (line 3): "bot" is declared twice`,
			`clients[1].client_secret (line 4): set either`,
			`clients[2].client_id (line 6): "a b" may hold only`,
			`clients[2].client_secret (line 8): a public client`,
			`clients[2].redirect_uris[0] (line 9): "/rel" is not absolute`,
			`clients[2].redirect_uris[1] (line 9): "https://x/#f" has a fragment`,
			`clients[2].grant_types[0] (line 10): "password" is not a grant type`,
			`clients[3].client_id (line 11): must be set`,
			`clients[3].token_endpoint_auth_method (line 12): "private_key_jwt" is not one of`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			ps := cfg.Validate()
			if len(ps) != len(tt.want) {
				t.Fatalf("got %v, want %d problems %v", ps, len(tt.want), tt.want)
			}
			for i, p := range ps {
				if !strings.HasPrefix(p.String(), tt.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, p.String(), tt.want[i])
				}
			}
			if strings.Contains(ps.Error(), "hunter2") {
				t.Error("a password leaked into a message")
			}
		})
	}
}

func TestGeneratedConfigLoadsAndValidates(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("0f", 32)
	cfg, err := Parse(Generate(secret, "matrix-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Validate(); p != nil {
		t.Fatal(p)
	}
	want := Default()
	want.Resolve()
	want.Secrets.Encryption = secret
	want.Matrix.Secret = "matrix-secret-0123456789"
	if d := cmp.Diff(want, cfg, cmpopts.EquateEmpty(), cmp.AllowUnexported(Config{}), cmp.FilterPath(func(p cmp.Path) bool {
		return p.String() == "keyLines"
	}, cmp.Ignore())); d != "" {
		t.Errorf("generated file differs from the defaults (-want +got)\n%s", d)
	}
}

func TestBackend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		kind DatabaseKind
		path string
	}{
		{"sqlite:/a/b.db", DatabaseSQLite, "/a/b.db"},
		{"sqlite:///a/b.db", DatabaseSQLite, "/a/b.db"},
		{"./rel.db", DatabaseSQLite, "./rel.db"},
		{"postgres://h/db", DatabasePostgres, "postgres://h/db"},
		{"postgresql://h/db", DatabasePostgres, "postgresql://h/db"},
		{"mysql://h/db", DatabaseUnknown, ""},
		{"", DatabaseUnknown, ""},
	}
	for _, tt := range tests {
		k, p := Database{URL: tt.url}.Backend()
		if k != tt.kind || p != tt.path {
			t.Errorf("%q: got (%v, %q), want (%v, %q)", tt.url, k, p, tt.kind, tt.path)
		}
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mapEnv(m map[string]string) LookupEnv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}
