package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/apptest"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

const doctorSecret = "doctor-cli-shared-secret-0123456789"

// doctorDeployment is mxauth, the Synapse stand-in and a reverse proxy in front of both
// that sends the legacy login paths to mxauth (MAS's nginx example, SYNAPSE.md §1.1) when
// routed, and everything to Synapse otherwise.
type doctorDeployment struct {
	mxauth  *apptest.Server
	synapse *httptest.Server
	proxy   *httptest.Server
}

func startDoctorDeployment(t *testing.T, routed bool) doctorDeployment {
	t.Helper()
	// An https issuer as clients see it; the test reaches mxauth on loopback all the same.
	mx := apptest.Start(t, func(c *config.Config) { c.HTTP.PublicURL = "https://auth.example.test/" })
	syn := synapsetest.New(synapsetest.Options{ServerName: "synapse.test", Secret: doctorSecret})
	syn.SetMAS(mx.URL)
	// Served without syn.Start, the stand-in's well-known names the host the client asked,
	// which is the proxy (proxy_set_header Host $host).
	synapse := httptest.NewServer(syn)
	t.Cleanup(synapse.Close)
	mxURL, _ := url.Parse(mx.URL)
	synURL, _ := url.Parse(synapse.URL)
	legacy := regexp.MustCompile(`^/_matrix/client/(.*)/(login|logout|refresh)`)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		if routed && legacy.MatchString(pr.In.URL.Path) {
			pr.SetURL(mxURL)
			return
		}
		pr.SetURL(synURL)
		pr.Out.Host = pr.In.Host
	}})
	t.Cleanup(proxy.Close)
	return doctorDeployment{mxauth: mx, synapse: synapse, proxy: proxy}
}

// writeDoctorConfig writes mxauth's configuration for the deployment, the secret in a file.
func writeDoctorConfig(t *testing.T, d doctorDeployment, secret string) string {
	t.Helper()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "mxauth.yaml")
	cfg := "data_dir: " + dir + "\nhttp:\n  public_url: " + d.mxauth.Config.HTTP.PublicURL +
		"\nmatrix:\n  kind: synapse\n  homeserver: synapse.test\n  endpoint: " + d.synapse.URL + "/\n  secret_file: " + secretFile + "\n"
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestDoctorCommand(t *testing.T) {
	t.Parallel()
	routed := startDoctorDeployment(t, true)
	unrouted := startDoctorDeployment(t, false)
	tests := []struct {
		name     string
		d        doctorDeployment
		secret   string
		code     int
		want     []string
		wantNot  []string
		wantErrs string
	}{
		{
			name: "a healthy deployment", d: routed, secret: doctorSecret, code: 0,
			want: []string{
				"[ ok ] versions: v1.18 supported",
				"[ ok ] auth_metadata: all 9 required fields present",
				"[ ok ] auth_metadata issuer: https://auth.example.test/ is mxauth's issuer",
				"[ ok ] routing /login: answered by mxauth",
				"[ ok ] routing /refresh: answered by mxauth",
				"[ ok ] shared secret: Synapse accepts the shared secret",
				"[ ok ] https issuer: mxauth's public URL https://auth.example.test/ uses https",
				"[WARN] https homeserver: " + routed.proxy.URL + " does not use https",
			},
			wantNot: []string{"[FAIL] routing", doctorSecret},
		},
		{
			name: "login, logout and refresh reach Synapse", d: unrouted, secret: doctorSecret, code: 1,
			want: []string{
				"[FAIL] routing /login: answered by the homeserver, not mxauth (HTTP 404)",
				"       fix: in the reverse proxy, send ^/_matrix/client/(.*)/(login|logout|refresh) to mxauth",
				"[FAIL] routing /logout: answered by the homeserver, not mxauth (HTTP 404)\n       fix: as above",
			},
			wantErrs: "checks failed",
		},
		{
			name: "Synapse has another secret", d: routed, secret: "some-other-secret-0123456789", code: 1,
			want: []string{
				"[FAIL] shared secret: Synapse rejects the shared secret",
				"fix: set matrix_authentication_service.secret in Synapse's config to the same value",
			},
			wantNot:  []string{"some-other-secret"},
			wantErrs: "checks failed",
		},
		{
			name: "standalone: any homeserver", d: routed, code: 0,
			want: []string{
				"[ ok ] versions: v1.18 supported",
				"[skip] routing /login: skipped: ",
				"[skip] shared secret: skipped: ",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"doctor", "--homeserver", tt.d.proxy.URL}
			if tt.secret != "" { // with mxauth's config; without, standalone
				args = append(args, "--config", writeDoctorConfig(t, tt.d, tt.secret))
			}
			stdout, stderr, code := run(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(stdout+stderr, w) {
					t.Errorf("output has %q:\n%s%s", w, stdout, stderr)
				}
			}
			if !strings.Contains(stderr, tt.wantErrs) {
				t.Errorf("stderr lacks %q: %s", tt.wantErrs, stderr)
			}
		})
	}
}

func TestDoctorJSON(t *testing.T) {
	t.Parallel()
	d := startDoctorDeployment(t, false)
	stdout, _, code := run(t, "doctor", "--json", "--homeserver", d.proxy.URL, "--config", writeDoctorConfig(t, d, doctorSecret))
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	var results []struct {
		Name, Status, Detail, Fix string
	}
	if err := json.Unmarshal([]byte(stdout), &results); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	got := map[string]string{}
	for _, r := range results {
		got[r.Name] = r.Status
	}
	want := map[string]string{
		"routing /login": "fail", "routing /logout": "fail", "routing /refresh": "fail",
		"shared secret": "ok", "https issuer": "ok", "https homeserver": "warn", "versions": "ok",
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			delete(got, name) // the discovery checks are TestDoctorCommand's
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestDoctorUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noSecret := filepath.Join(dir, "mxauth.yaml")
	cfg := "data_dir: " + dir + "\nmatrix:\n  kind: synapse\n  homeserver: example.org\n  endpoint: http://localhost:8008/\n  secret_file: " + filepath.Join(dir, "missing") + "\n"
	if err := os.WriteFile(noSecret, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing to check", []string{"doctor"}, "give --config"},
		{"not a homeserver", []string{"doctor", "--homeserver", "exa mple.org"}, "neither a URL nor a Matrix server name"},
		{"bad issuer", []string{"doctor", "--homeserver", "example.org", "--issuer", "auth.example.org"}, "the issuer"},
		{"negative timeout", []string{"doctor", "--homeserver", "example.org", "--timeout", "-1s"}, "negative"},
		{"unknown flag", []string{"doctor", "--frobnicate"}, "unknown flag"},
		{"unreadable secret file", []string{"doctor", "--config", noSecret}, "matrix.secret_file"},
		{"missing config file", []string{"doctor", "--config", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := run(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d (want 2), stderr %q, want %q", code, stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("checks ran: %s", stdout)
			}
		})
	}
}

// TestDoctorUnreachable checks that a dead homeserver is a failed check (exit 1) and no
// crash, and that the request time limit applies.
func TestDoctorUnreachable(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	stdout, _, code := run(t, "doctor", "--homeserver", hang.URL, "--timeout", "100ms")
	if code != 1 || !strings.Contains(stdout, "[FAIL] versions: GET "+hang.URL+"/_matrix/client/versions: no answer within 100ms") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}
