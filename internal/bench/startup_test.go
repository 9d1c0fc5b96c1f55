package bench

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"regexp"
	"testing"
	"time"
)

// TestMain lets the test binary play a server for MeasureStartup: started with
// BENCH_FAKE_SERVER=1 it parses the flags mxauth takes and answers /ready after a short delay.
func TestMain(m *testing.M) {
	if os.Getenv("BENCH_FAKE_SERVER") == "1" {
		fs := flag.NewFlagSet("fake", flag.ExitOnError)
		listen := fs.String("listen", "", "")
		fs.String("data-dir", "", "")
		_ = fs.Parse(os.Args[1:])
		time.Sleep(20 * time.Millisecond)
		ballast := bytes.Repeat([]byte{1}, 8<<20) // resident memory to find
		http.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) { w.Write(ballast[:1]) })
		_ = http.ListenAndServe(*listen, nil)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestMeasureStartup(t *testing.T) {
	t.Setenv("BENCH_FAKE_SERVER", "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := MeasureStartup(t.Context(), StartupOptions{Binary: exe, Runs: 2, Idle: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Ready < 20*time.Millisecond || r.Ready > 10*time.Second {
			t.Errorf("ready after %v, want at least the fake's 20ms delay", r.Ready)
		}
		if r.IdleRSS < 8<<20 {
			t.Errorf("idle RSS %d bytes, less than the fake's 8 MiB ballast", r.IdleRSS)
		}
	}
	var out bytes.Buffer
	if err := WriteStartupReport(&out, rs); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ready \(ms\) +min [0-9.]+ +median [0-9.]+ +max [0-9.]+$`).Match(out.Bytes()) {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestWriteStartupReport(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := WriteStartupReport(&out, []StartupResult{
		{Ready: 90 * time.Millisecond, IdleRSS: 20 << 20},
		{Ready: 30 * time.Millisecond, IdleRSS: 18 << 20},
		{Ready: 150 * time.Millisecond, IdleRSS: 19 << 20},
	})
	want := "runs          3 (new data directory each)\nready (ms)    min 30.0  median 90.0  max 150.0\nidle RSS (MB) min 18.0  median 19.0  max 20.0\n"
	if err != nil || out.String() != want {
		t.Errorf("got %q, %v\nwant %q", out.String(), err, want)
	}
	if err := WriteStartupReport(&out, nil); err == nil {
		t.Error("no runs accepted")
	}
}
