package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mxauth/mxauth/internal/bench"
)

func TestBadArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{name: "no scenario", args: nil, want: []string{"want exactly one scenario, got 0", "metadata"}},
		{name: "two scenarios", args: []string{"metadata", "metadata"}, want: []string{"got 2 arguments"}},
		{name: "unknown scenario", args: []string{"login"}, want: []string{`unknown scenario "login"`, "scenarios:", "  metadata "}},
		{name: "unknown flag", args: []string{"-x", "metadata"}, want: []string{"flag provided but not defined: -x", "usage:"}},
		{name: "bad duration", args: []string{"-d", "soon", "metadata"}, want: []string{`invalid value "soon" for flag -d`}},
		{name: "zero connections", args: []string{"-c", "0", "metadata"}, want: []string{"connections must be at least 1"}},
		{name: "zero duration", args: []string{"-d", "0", "metadata"}, want: []string{"duration must be positive"}},
		{name: "negative count", args: []string{"-n", "-5", "metadata"}, want: []string{"request count must not be negative"}},
		{name: "negative warm-up", args: []string{"-warmup", "-1s", "metadata"}, want: []string{"warm-up must not be negative"}},
		{name: "negative timeout", args: []string{"-timeout", "-1s", "metadata"}, want: []string{"timeout must not be negative"}},
		{name: "not http", args: []string{"-url", "ftp://127.0.0.1", "metadata"}, want: []string{"base URL must be an absolute http"}},
		{name: "unparsable URL", args: []string{"-url", "http://[::1", "metadata"}, want: []string{"-url:"}},
		{
			name: "exchange without an account",
			args: []string{"-password", "pw", "exchange"},
			want: []string{"mxauth-bench: exchange: this scenario signs in: give the account with -user and -password"},
		},
		{
			name: "exchange with an empty pool and no password",
			args: []string{"-user", "alice", "-pool", "0", "exchange"},
			want: []string{"exchange: this scenario signs in", "mxauth-bench: exchange: the code pool (-pool) must hold at least 1 code, got 0"},
		},
		{
			name: "every option problem listed",
			args: []string{"-c", "0", "-warmup", "-1s", "metadata"},
			want: []string{"mxauth-bench: connections", "mxauth-bench: warm-up"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			if code := run(t.Context(), tt.args, &stdout, &stderr); code != exitBadArgument {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitBadArgument, stderr.String())
			}
			for _, want := range tt.want {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not mention %q:\n%s", want, stderr.String())
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-h"}, &stdout, &stderr); code != exitOK {
		t.Errorf("exit code %d, want %d", code, exitOK)
	}
	for _, want := range []string{"usage: mxauth-bench [flags] SCENARIO", "-warmup", "scenarios:", "metadata"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help does not mention %q:\n%s", want, stderr.String())
		}
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := parseArgs([]string{"metadata"}, bench.DefaultRegistry(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"url": cfg.opts.BaseURL.String(), "c": strconv.Itoa(cfg.opts.Connections), "d": cfg.opts.Duration.String(),
		"n": strconv.FormatInt(cfg.opts.Requests, 10), "warmup": cfg.opts.Warmup.String(), "timeout": cfg.opts.Timeout.String(),
		"scenario": cfg.opts.Scenario,
	}
	want := map[string]string{
		"url": "http://127.0.0.1:8080", "c": "64", "d": "10s", "n": "0", "warmup": "1s", "timeout": "5s",
		"scenario": "metadata",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if cfg.json {
		t.Error("-json is on by default")
	}
}

func TestParseSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want bench.SignIn
	}{
		{
			name: "default pool",
			args: []string{"-user", "alice", "-password", "pw", "exchange"},
			want: bench.SignIn{Username: "alice", Password: "pw", Codes: bench.DefaultCodePool},
		},
		{
			name: "explicit pool",
			args: []string{"-user", "alice", "-password", "pw", "-pool", "500", "exchange"},
			want: bench.SignIn{Username: "alice", Password: "pw", Codes: 500},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseArgs(tt.args, bench.DefaultRegistry(), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			e, ok := cfg.scenario.(*bench.Exchange)
			if !ok {
				t.Fatalf("scenario is %T, want *bench.Exchange", cfg.scenario)
			}
			if diff := cmp.Diff(tt.want, e.SignIn); diff != "" {
				t.Errorf("SignIn (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSessions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want bench.Sessions
	}{
		{
			name: "introspect, default session count",
			args: []string{"-user", "alice", "-password", "pw", "-secret", "s3cret", "introspect"},
			want: bench.Sessions{Username: "alice", Password: "pw", Count: bench.DefaultSessions, Secret: "s3cret"},
		},
		{
			name: "refresh, explicit session count",
			args: []string{"-user", "alice", "-password", "pw", "-sessions", "128", "refresh"},
			want: bench.Sessions{Username: "alice", Password: "pw", Count: 128},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseArgs(tt.args, bench.DefaultRegistry(), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var got bench.Sessions
			switch sc := cfg.scenario.(type) {
			case *bench.Introspect:
				got = sc.Sessions
			case *bench.Refresh:
				got = sc.Sessions
			default:
				t.Fatalf("scenario is %T", cfg.scenario)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Sessions (-want +got):\n%s", diff)
			}
		})
	}
	var stderr strings.Builder
	if code := run(t.Context(), []string{"-user", "alice", "-password", "pw", "introspect"}, io.Discard, &stderr); code != exitBadArgument ||
		!strings.Contains(stderr.String(), "mxauth-bench: introspect: this scenario calls as the homeserver: give the server's matrix.secret with -secret") {
		t.Errorf("introspect without -secret: exit %d, stderr:\n%s", code, stderr.String())
	}
}

// metadataServer answers the metadata path with status and counts those requests.
func metadataServer(t *testing.T, status int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	hits := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != bench.MetadataPath {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"issuer":"https://auth.example.org/"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

type jsonReport struct {
	Scenario         string  `json:"scenario"`
	Connections      int     `json:"connections"`
	Requests         int64   `json:"requests"`
	Errors           int64   `json:"errors"`
	TransportErrors  int64   `json:"transport_errors"`
	StatusErrors     int64   `json:"status_errors"`
	FirstStatusError string  `json:"first_status_error"`
	LatencyP50Ms     float64 `json:"latency_p50_ms"`
	LatencyP99Ms     float64 `json:"latency_p99_ms"`
}

func TestEndToEndMetadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		want       jsonReport
		wantErrMsg string
	}{
		{
			name:   "healthy server",
			status: http.StatusOK,
			want:   jsonReport{Scenario: "metadata", Connections: 4, Requests: 500},
		},
		{
			name:       "server answering 500",
			status:     http.StatusInternalServerError,
			want:       jsonReport{Scenario: "metadata", Connections: 4, Requests: 500, Errors: 500, StatusErrors: 500},
			wantErrMsg: `unexpected status "500 Internal Server Error"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, hits := metadataServer(t, tt.status)
			var stdout, stderr strings.Builder
			args := []string{"-url", srv.URL, "-c", "4", "-n", "500", "-warmup", "0", "-json", "metadata"}
			if code := run(t.Context(), args, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr.String())
			}
			var got jsonReport
			if err := json.Unmarshal([]byte(stdout.String()), &got); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
			}
			if !strings.Contains(got.FirstStatusError, tt.wantErrMsg) || (tt.wantErrMsg == "") != (got.FirstStatusError == "") {
				t.Errorf("first_status_error = %q, want it to contain %q", got.FirstStatusError, tt.wantErrMsg)
			}
			if tt.status == http.StatusOK && (got.LatencyP50Ms <= 0 || got.LatencyP99Ms < got.LatencyP50Ms) {
				t.Errorf("latency p50 %v ms, p99 %v ms: want 0 < p50 <= p99", got.LatencyP50Ms, got.LatencyP99Ms)
			}
			got.FirstStatusError, got.LatencyP50Ms, got.LatencyP99Ms = "", 0, 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if n := hits.Load(); n != 500 {
				t.Errorf("server saw %d metadata requests, want 500", n)
			}
		})
	}
}

func TestEndToEndTextReport(t *testing.T) {
	t.Parallel()
	srv, _ := metadataServer(t, http.StatusOK)
	var stdout, stderr strings.Builder
	args := []string{"-url", srv.URL, "-c", "2", "-n", "50", "-warmup", "10ms", "metadata"}
	if code := run(t.Context(), args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"scenario      metadata\n", "connections   2\n", "requests      50\n",
		"errors        0 (transport 0, status 0)\n", "latency (ms)  p50 "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report does not contain %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "WARNING") {
		t.Errorf("clean run has a warning:\n%s", stdout.String())
	}
}

func TestUnreachableTarget(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"-url", srv.URL, "-n", "10", "metadata"}, &stdout, &stderr)
	if code != exitRunFailed {
		t.Errorf("exit code %d, want %d", code, exitRunFailed)
	}
	msg := stderr.String()
	if !strings.HasPrefix(msg, "mxauth-bench: cannot reach "+srv.URL+": ") || strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr = %q, want one line saying the target cannot be reached", msg)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want no report", stdout.String())
	}
}
