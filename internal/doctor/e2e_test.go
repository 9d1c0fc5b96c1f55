package doctor_test

import (
	"context"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/apptest"
	"github.com/mxauth/mxauth/internal/doctor"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

const e2eSecret = "e2e-shared-secret-0123456789abcdef"

// legacyLoginPaths is the location of MAS's nginx example (SYNAPSE.md §1.1).
var legacyLoginPaths = regexp.MustCompile(`^/_matrix/client/(.*)/(login|logout|refresh)`)

// newReverseProxy is the deployment's reverse proxy: with routed, the legacy login paths go
// to mxauth and everything else to Synapse, as the nginx example does; without it,
// everything goes to Synapse, the mistake the doctor must catch. Synapse sees the client's
// Host (proxy_set_header Host $host), so its well-known names the proxy.
func newReverseProxy(t *testing.T, mxauthURL, synapseURL string, routed bool) *httptest.Server {
	t.Helper()
	mx, err := url.Parse(mxauthURL)
	if err != nil {
		t.Fatal(err)
	}
	syn, err := url.Parse(synapseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		if routed && legacyLoginPaths.MatchString(pr.In.URL.Path) {
			pr.SetURL(mx)
			return
		}
		pr.SetURL(syn)
		pr.Out.Host = pr.In.Host
	}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv
}

func TestAgainstMxauthAndSynapse(t *testing.T) {
	t.Parallel()
	mx := apptest.Start(t, nil)
	syn := synapsetest.New(synapsetest.Options{ServerName: "synapse.test", Secret: e2eSecret})
	syn.SetMAS(mx.URL)
	// Not syn.Start: served this way the stand-in names the URL the client used in its
	// well-known, which is the proxy's.
	synapse := httptest.NewServer(syn)
	t.Cleanup(synapse.Close)

	// The discovery chain: Synapse passes mxauth's metadata through, if it can load it.
	discovery := map[string]doctor.Status{
		"well-known": doctor.StatusOK, "versions": doctor.StatusOK, "auth_metadata": doctor.StatusOK,
		"auth_metadata issuer": doctor.StatusOK, "account management": doctor.StatusOK, "CORS": doctor.StatusOK,
	}
	tests := []struct {
		name   string
		routed bool
		secret string
		want   map[string]doctor.Status
	}{
		{"routed", true, e2eSecret, map[string]doctor.Status{
			"routing /login": doctor.StatusOK, "routing /logout": doctor.StatusOK, "routing /refresh": doctor.StatusOK,
			"shared secret": doctor.StatusOK,
		}},
		{"everything sent to Synapse", false, e2eSecret, map[string]doctor.Status{
			"routing /login": doctor.StatusFail, "routing /logout": doctor.StatusFail, "routing /refresh": doctor.StatusFail,
			"shared secret": doctor.StatusOK,
		}},
		{"wrong secret", true, "not-the-secret-synapse-has-0123", map[string]doctor.Status{
			"routing /login": doctor.StatusOK, "routing /logout": doctor.StatusOK, "routing /refresh": doctor.StatusOK,
			"shared secret": doctor.StatusFail,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			proxy := newReverseProxy(t, mx.URL, synapse.URL, tt.routed)
			results := doctor.Run(context.Background(), doctor.Options{
				HomeserverURL: proxy.URL, Issuer: mx.Config.HTTP.PublicURL,
				SynapseEndpoint: synapse.URL, Secret: tt.secret,
			})
			want := map[string]doctor.Status{
				// apptest serves mxauth and the homeserver over plain http.
				"https issuer": doctor.StatusFail, "https homeserver": doctor.StatusWarn,
			}
			for k, v := range discovery {
				want[k] = v
			}
			for k, v := range tt.want {
				want[k] = v
			}
			got := map[string]doctor.Status{}
			for _, r := range results {
				got[r.Name] = r.Status
			}
			if diff := cmp.Diff(want, got); diff != "" {
				var text strings.Builder
				_ = doctor.WriteText(&text, results)
				t.Errorf("statuses (-want +got):\n%s\n%s", diff, text.String())
			}
		})
	}
}

// TestStandaloneAgainstSynapse checks a homeserver with no mxauth named: the routing and
// secret checks are skipped, and the issuer the homeserver names is the one judged.
func TestStandaloneAgainstSynapse(t *testing.T) {
	t.Parallel()
	mx := apptest.Start(t, nil)
	syn := synapsetest.New(synapsetest.Options{Secret: e2eSecret}).Start(t)
	syn.SetMAS(mx.URL)
	results := doctor.Run(context.Background(), doctor.Options{HomeserverURL: syn.URL()})
	var text strings.Builder
	if err := doctor.WriteText(&text, results); err != nil {
		t.Fatal(err)
	}
	wants := []string{
		"[ ok ] versions: v1.18 supported",
		"[skip] routing /login: skipped: ",
		"[skip] shared secret: skipped: ",
		"[WARN] https homeserver: " + syn.URL() + " does not use https",
	}
	wants = append(wants, "[ ok ] auth_metadata: all 9 required fields present",
		"[FAIL] https issuer: the homeserver's issuer "+mx.Config.HTTP.PublicURL+" does not use https")
	for _, want := range wants {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, text.String())
		}
	}
}
