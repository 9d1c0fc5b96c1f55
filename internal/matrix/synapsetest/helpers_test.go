package synapsetest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

const secret = "shared-secret-0123456789"

// fakeMAS plays mxauth's two endpoints Synapse calls: discovery and introspection.
type fakeMAS struct {
	t  *testing.T
	mu sync.Mutex
	// answers maps a token to the raw introspection answer; unknown tokens are inactive.
	answers          map[string]string
	introspectStatus int
	metadata         string
	metadataStatus   int
	introspections   map[string]int // calls per token
	metadataFetches  int
	lastIntrospect   *http.Request
	lastForm         string
}

func newFakeMAS(t *testing.T) (*fakeMAS, string) {
	t.Helper()
	f := &fakeMAS{t: t, answers: map[string]string{}, introspections: map[string]int{},
		introspectStatus: http.StatusOK, metadataStatus: http.StatusOK,
		metadata: `{"issuer":"https://auth.test/","account_management_uri":"https://auth.test/account","account_management_actions_supported":["org.matrix.cross_signing_reset"],"n":1.50}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeMAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		f.metadataFetches++
		w.WriteHeader(f.metadataStatus)
		_, _ = io.WriteString(w, f.metadata)
	case "/oauth2/introspect":
		raw, _ := io.ReadAll(r.Body)
		f.lastIntrospect, f.lastForm = r.Clone(r.Context()), string(raw)
		form, _ := url.ParseQuery(string(raw))
		token := form.Get("token")
		f.introspections[token]++
		answer, ok := f.answers[token]
		if !ok {
			answer = `{"active":false}`
		}
		w.WriteHeader(f.introspectStatus)
		_, _ = io.WriteString(w, answer)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeMAS) answer(token, raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[token] = raw
}

func (f *fakeMAS) calls(token string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.introspections[token]
}

func (f *fakeMAS) set(change func(f *fakeMAS)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

var epoch = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// setup starts a stand-in on a fake clock, wired to a fake mxauth.
func setup(t *testing.T) (*synapsetest.Server, *fakeMAS, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(epoch)
	hs := synapsetest.New(synapsetest.Options{ServerName: "example.org", Secret: secret, Clock: clk}).Start(t)
	mas, masURL := newFakeMAS(t)
	hs.SetMAS(masURL + "/")
	return hs, mas, clk
}

// send makes a raw request and decodes a JSON answer (nil for an empty body).
func send(t *testing.T, method, url, bearer, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &decoded); err != nil {
			t.Fatalf("%s %s: answer %q is not a JSON object: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode, decoded, resp.Header
}

// mas calls the MAS API with the right secret.
func mas(t *testing.T, hs *synapsetest.Server, name, body string) (int, map[string]any) {
	t.Helper()
	method := http.MethodPost
	if body == "" {
		method = http.MethodGet
	}
	status, answer, _ := send(t, method, hs.URL()+synapsetest.MASPath(name), secret, body)
	return status, answer
}

func errcode(answer map[string]any) string {
	code, _ := answer["errcode"].(string)
	return code
}
