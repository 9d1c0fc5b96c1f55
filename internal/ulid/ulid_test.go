package ulid

import (
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestKnownAnswer(t *testing.T) {
	t.Parallel()
	// The ULID spec's example 01ARYZ6S41TSV4RRFFQ69G5FAV starts with the timestamp
	// 1469918176385 ms (2016-07-30 22:36:16.385 UTC).
	ts := time.UnixMilli(1469918176385)
	got, err := New(ts, bytes.NewReader(make([]byte, 10)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "01ARYZ6S41" + strings.Repeat("0", 16); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	all, _ := New(time.UnixMilli(1<<48-1), bytes.NewReader(bytes.Repeat([]byte{0xff}, 10)))
	if all != "7ZZZZZZZZZZZZZZZZZZZZZZZZZ" {
		t.Errorf("max ULID %s", all)
	}
}

func TestSortsByTimeAndValidates(t *testing.T) {
	t.Parallel()
	var ids []string
	base := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for i := range 50 {
		id, err := New(base.Add(time.Duration(i)*time.Millisecond), bytes.NewReader(bytes.Repeat([]byte{byte(50 - i)}, 10)))
		if err != nil {
			t.Fatal(err)
		}
		if !Valid(id) {
			t.Fatalf("%s is not valid", id)
		}
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("ULIDs do not sort by time")
	}
	for _, bad := range []string{"", "01ARYZ6S41", "81ARYZ6S410000000000000000", "01ARYZ6S41000000000000000I", "01aryz6s410000000000000000"} {
		if Valid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := New(base, bytes.NewReader(nil)); err == nil {
		t.Error("short randomness accepted")
	}
}
