package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StartupOptions configure MeasureStartup.
type StartupOptions struct {
	// Binary is the mxauth server binary to start.
	Binary string
	// Runs is how many cold starts to measure, each on a new data directory.
	Runs int
	// Idle is how long the server sits idle before its RSS is read.
	Idle time.Duration
}

// StartupResult is one cold start: the time from exec to the first 200 from /ready on a new
// SQLite database (migrations, secret and key generation included), and the resident memory
// after sitting idle.
type StartupResult struct {
	Ready   time.Duration
	IdleRSS int64 // bytes
}

// MeasureStartup starts the server Runs times, each on a fresh data directory and a free
// loopback port, polls /ready every millisecond, then reads VmRSS from /proc after Idle and
// stops the server with SIGTERM.
func MeasureStartup(ctx context.Context, opts StartupOptions) ([]StartupResult, error) {
	var out []StartupResult
	for range opts.Runs {
		r, err := startOnce(ctx, opts)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func startOnce(ctx context.Context, opts StartupOptions) (StartupResult, error) {
	dir, err := os.MkdirTemp("", "mxauth-startup-")
	if err != nil {
		return StartupResult{}, err
	}
	defer os.RemoveAll(dir)
	addr, err := freeLoopbackAddr()
	if err != nil {
		return StartupResult{}, err
	}
	client := &http.Client{Timeout: time.Second}
	cmd := exec.CommandContext(ctx, opts.Binary, "--data-dir", filepath.Join(dir, "data"), "--listen", addr)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return StartupResult{}, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	var res StartupResult
	for {
		if ctx.Err() != nil {
			return StartupResult{}, ctx.Err()
		}
		if time.Since(start) > 30*time.Second {
			return StartupResult{}, errors.New("the server was not ready after 30s")
		}
		resp, err := client.Get("http://" + addr + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				res.Ready = time.Since(start)
				break
			}
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(opts.Idle)
	res.IdleRSS, err = residentBytes(cmd.Process.Pid)
	return res, err
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// residentBytes reads VmRSS from /proc/PID/status (Linux).
func residentBytes(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// WriteStartupReport prints min, median and max of the ready times and idle RSS.
func WriteStartupReport(w io.Writer, rs []StartupResult) error {
	if len(rs) == 0 {
		return errors.New("no runs")
	}
	ready := make([]time.Duration, len(rs))
	rss := make([]int64, len(rs))
	for i, r := range rs {
		ready[i], rss[i] = r.Ready, r.IdleRSS
	}
	slices.Sort(ready)
	slices.Sort(rss)
	mid := len(rs) / 2
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	mb := func(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }
	_, err := fmt.Fprintf(w, "runs          %d (new data directory each)\nready (ms)    min %s  median %s  max %s\nidle RSS (MB) min %s  median %s  max %s\n",
		len(rs), ms(ready[0]), ms(ready[mid]), ms(ready[len(rs)-1]), mb(rss[0]), mb(rss[mid]), mb(rss[len(rs)-1]))
	return err
}
