package store

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/model"
)

func TestCheckNewJob(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)
	valid := model.Job{ID: "01J", Kind: "matrix.sync_devices", Key: "devices:@a:x", Payload: "{}", RunAt: at, CreatedAt: at}
	tests := []struct {
		name    string
		change  func(*model.Job)
		wantErr string
	}{
		{"valid", func(*model.Job) {}, ""},
		{"empty payload", func(j *model.Job) { j.Payload = "" }, ""},
		{"empty ID", func(j *model.Job) { j.ID = "" }, "must not be empty"},
		{"empty kind", func(j *model.Job) { j.Kind = "" }, "must not be empty"},
		{"empty key", func(j *model.Job) { j.Key = "" }, "must not be empty"},
		{"zero run time", func(j *model.Job) { j.RunAt = time.Time{} }, "run time"},
		{"zero creation time", func(j *model.Job) { j.CreatedAt = time.Time{} }, "creation time"},
		{"NUL in payload", func(j *model.Job) { j.Payload = "\x00" }, "job payload"},
		{"invalid UTF-8 key", func(j *model.Job) { j.Key = "\xff" }, "job key"},
	}
	for _, tt := range tests {
		j := valid
		tt.change(&j)
		assertRefusal(t, tt.name, CheckNewJob(j), tt.wantErr)
	}
}

func TestCheckLease(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		now     time.Time
		lease   time.Duration
		wantErr string
	}{
		{"one millisecond", now, time.Millisecond, ""},
		{"a minute", now, time.Minute, ""},
		{"below a millisecond", now, time.Millisecond - 1, "shorter than a millisecond"},
		{"zero", now, 0, "shorter than a millisecond"},
		{"negative", now, -time.Second, "shorter than a millisecond"},
		{"zero now", time.Time{}, time.Minute, "zero time"},
	}
	for _, tt := range tests {
		assertRefusal(t, tt.name, CheckLease(tt.now, tt.lease), tt.wantErr)
	}
}

func TestJobErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short", "502 Bad Gateway", "502 Bad Gateway"},
		{"empty", "", ""},
		{"exactly the limit", strings.Repeat("a", MaxJobErrorBytes), strings.Repeat("a", MaxJobErrorBytes)},
		{"cut", strings.Repeat("a", MaxJobErrorBytes+5), strings.Repeat("a", MaxJobErrorBytes)},
		// "€" is 3 bytes: 333 of them are 999 bytes, the 334th would cross the limit.
		{"cut before a character", strings.Repeat("€", 400), strings.Repeat("€", 333)},
		{"NUL and invalid UTF-8", "a\x00b\xffc", "a\uFFFDb\uFFFDc"},
	}
	for _, tt := range tests {
		got := JobErrorText(tt.in)
		if got != tt.want {
			t.Errorf("%s: JobErrorText = %q (%d bytes), want %q (%d bytes)", tt.name, got, len(got), tt.want, len(tt.want))
		}
		if !utf8.ValidString(got) || len(got) > MaxJobErrorBytes {
			t.Errorf("%s: JobErrorText gave %d bytes, valid UTF-8 %v", tt.name, len(got), utf8.ValidString(got))
		}
	}
}
