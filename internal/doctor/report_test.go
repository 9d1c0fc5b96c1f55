package doctor

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		results []Result
		want    string
	}{
		{"nothing", nil, ""},
		{
			name: "one line per check, a fix under failures",
			results: []Result{
				{Name: "versions", Status: StatusOK, Detail: "v1.18 supported"},
				{Name: "routing /login", Status: StatusFail, Detail: "answered by the homeserver, not mxauth (HTTP 404)", Fix: "route it"},
				{Name: "routing /logout", Status: StatusFail, Detail: "answered by the homeserver, not mxauth (HTTP 404)", Fix: "route it"},
				{Name: "CORS", Status: StatusWarn, Detail: "none", Fix: "pass it through"},
				{Name: "shared secret", Status: StatusSkip, Detail: "skipped: no secret"},
			},
			want: "[ ok ] versions: v1.18 supported\n" +
				"[FAIL] routing /login: answered by the homeserver, not mxauth (HTTP 404)\n" +
				"       fix: route it\n" +
				"[FAIL] routing /logout: answered by the homeserver, not mxauth (HTTP 404)\n" +
				"       fix: as above\n" +
				"[WARN] CORS: none\n" +
				"       fix: pass it through\n" +
				"[skip] shared secret: skipped: no secret\n",
		},
		{
			name:    "a detail from the network stays on its line",
			results: []Result{{Name: "x", Status: StatusFail, Detail: "a\r\nb", Fix: "c\nd"}},
			want:    "[FAIL] x: a  b\n       fix: c d\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			if err := WriteText(&b, tt.results); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	results := []Result{
		{Name: "versions", Status: StatusOK, Detail: "v1.18 supported"},
		{Name: "shared secret", Status: StatusFail, Detail: "Synapse rejects the shared secret", Fix: "set it to <secret>"},
	}
	var b strings.Builder
	if err := WriteJSON(&b, results); err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	want := []map[string]string{
		{"name": "versions", "status": "ok", "detail": "v1.18 supported"},
		{"name": "shared secret", "status": "fail", "detail": "Synapse rejects the shared secret", "fix": "set it to <secret>"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	if !strings.Contains(b.String(), "<secret>") {
		t.Errorf("placeholders are escaped, hard to read:\n%s", b.String())
	}
	b.Reset()
	if err := WriteJSON(&b, nil); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("no results: %q, %v", b.String(), err)
	}
}

func TestFailed(t *testing.T) {
	t.Parallel()
	results := []Result{{Status: StatusOK}, {Status: StatusFail}, {Status: StatusWarn}, {Status: StatusSkip}, {Status: StatusFail}}
	if got := Failed(results); got != 2 {
		t.Errorf("Failed = %d, want 2", got)
	}
	if got := Failed(nil); got != 0 {
		t.Errorf("Failed(nil) = %d", got)
	}
}
