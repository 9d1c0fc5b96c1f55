package bench

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleResult() Result {
	return Result{
		Scenario:            "metadata",
		URL:                 "http://127.0.0.1:8080",
		Connections:         64,
		Warmup:              time.Second,
		Elapsed:             2 * time.Second,
		Requests:            100_001,
		TransportErrors:     1,
		StatusErrors:        2,
		FirstTransportError: "GET http://127.0.0.1:8080/x: EOF",
		FirstStatusError:    `GET http://127.0.0.1:8080/x: unexpected status "500 Internal Server Error", want [200]`,
		Latency: LatencySummary{
			P50: 612 * time.Microsecond, P90: 1203 * time.Microsecond, P99: 2510 * time.Microsecond,
			Max: 14210 * time.Microsecond, Mean: 700_400 * time.Nanosecond,
		},
	}
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		result Result
		want   string
	}{
		{
			name:   "with errors",
			result: sampleResult(),
			want: `scenario      metadata
target        http://127.0.0.1:8080
connections   64
duration      2.000s (warm-up 1s, discarded)
requests      100001
errors        3 (transport 1, status 2)
  first transport error: GET http://127.0.0.1:8080/x: EOF
  first status error:    GET http://127.0.0.1:8080/x: unexpected status "500 Internal Server Error", want [200]
req/s         50000.5
latency (ms)  p50 0.612  p90 1.203  p99 2.510  max 14.210  mean 0.700
WARNING       3 of 100001 requests failed: these figures are not a valid measurement
`,
		},
		{
			name:   "interrupted before anything was measured",
			result: Result{Scenario: "metadata", URL: "http://h", Connections: 2, Interrupted: true},
			want: `scenario      metadata
target        http://h
connections   2
duration      0.000s (warm-up 0s, discarded)
requests      0
errors        0 (transport 0, status 0)
req/s         0.0
latency (ms)  p50 0.000  p90 0.000  p99 0.000  max 0.000  mean 0.000
note          interrupted: the run stopped early
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			if err := tt.result.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("text report (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWriteJSONKeys pins the JSON keys and units: scripts depend on them.
func TestWriteJSONKeys(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := sampleResult().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 1 || !strings.HasSuffix(b.String(), "}\n") {
		t.Errorf("want one JSON object on one line, got %q", b.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"scenario":              "metadata",
		"url":                   "http://127.0.0.1:8080",
		"connections":           64.0,
		"warmup_seconds":        1.0,
		"duration_seconds":      2.0,
		"requests":              100001.0,
		"errors":                3.0,
		"transport_errors":      1.0,
		"status_errors":         2.0,
		"first_transport_error": "GET http://127.0.0.1:8080/x: EOF",
		"first_status_error":    `GET http://127.0.0.1:8080/x: unexpected status "500 Internal Server Error", want [200]`,
		"requests_per_second":   50000.5,
		"latency_p50_ms":        0.612,
		"latency_p90_ms":        1.203,
		"latency_p99_ms":        2.51,
		"latency_max_ms":        14.21,
		"latency_mean_ms":       0.7,
		"interrupted":           false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON report (-want +got):\n%s", diff)
	}
}
