package store

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummarizeActivity(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	at := func(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }
	tests := []struct {
		name     string
		activity []SessionActivity
		want     []ActivitySummary
		wantErr  string
	}{
		{"empty", nil, []ActivitySummary{}, ""},
		{
			"one entry",
			[]SessionActivity{{"s1", at(1), "192.0.2.1"}},
			[]ActivitySummary{{"s1", at(1), "192.0.2.1", at(1)}},
			"",
		},
		{
			"no address",
			[]SessionActivity{{"s1", at(1), ""}},
			[]ActivitySummary{{SessionID: "s1", LastAt: at(1)}},
			"",
		},
		{
			// Applied in time order: 3 sets the address, 5 moves the time on without one.
			"latest address, latest time",
			[]SessionActivity{{"s1", at(5), ""}, {"s1", at(3), "192.0.2.3"}, {"s1", at(4), "192.0.2.4"}, {"s1", at(2), "192.0.2.2"}},
			[]ActivitySummary{{"s1", at(5), "192.0.2.4", at(4)}},
			"",
		},
		{
			"equal times: the last given wins",
			[]SessionActivity{{"s1", at(1), "192.0.2.1"}, {"s1", at(1), "192.0.2.2"}},
			[]ActivitySummary{{"s1", at(1), "192.0.2.2", at(1)}},
			"",
		},
		{
			"sorted by session, unstorable IDs dropped",
			[]SessionActivity{{"s2", at(1), ""}, {"", at(9), ""}, {"s1", at(2), ""}, {"bad\xff", at(9), ""}, {"S3", at(3), ""}},
			[]ActivitySummary{{SessionID: "S3", LastAt: at(3)}, {SessionID: "s1", LastAt: at(2)}, {SessionID: "s2", LastAt: at(1)}},
			"",
		},
		{"zero time", []SessionActivity{{"s1", at(1), ""}, {"s1", time.Time{}, ""}}, nil, "zero time"},
		{"zero time of an unknown session", []SessionActivity{{"", time.Time{}, ""}}, nil, "zero time"},
		{"NUL in the address", []SessionActivity{{"s1", at(1), "192.0.2.\x00"}}, nil, "NUL"},
		{"invalid UTF-8 in the address", []SessionActivity{{"s1", at(1), "\xc3"}}, nil, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SummarizeActivity(tt.activity)
			assertRefusal(t, tt.name, err, tt.wantErr)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SummarizeActivity (-want +got):\n%s", diff)
			}
			// The outcome does not depend on the order of entries with distinct times.
			if tt.wantErr == "" && tt.name != "equal times: the last given wins" {
				reversed := slices.Clone(tt.activity)
				slices.Reverse(reversed)
				if again, _ := SummarizeActivity(reversed); !cmp.Equal(got, again) {
					t.Errorf("reversed batch: %+v, want %+v", again, got)
				}
			}
		})
	}
}
