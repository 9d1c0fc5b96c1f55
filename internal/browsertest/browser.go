package browsertest

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// testTimeout bounds one test's use of the browser, so a hung browser fails the test with a
// clear error instead of stalling the whole run until go test's global timeout. It counts
// from New, and a test's parallel subtests share its browser but may only start once other
// parallel tests of the package have finished (under -race in CI that took over two minutes),
// so it is generous; each action has its own, shorter limit in the tests that use it.
const testTimeout = 8 * time.Minute

// chromiumFlags make a quiet, reproducible browser: headless, no sandbox (CI runs as root,
// where Chromium's sandbox cannot start), no GPU (none on CI), and none of the background
// traffic of a desktop browser (component updates, sync, QUIC probes, first-run pages), so
// the only requests a test sees are its own.
func chromiumFlags() []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		// Containers often have a 64 MB /dev/shm, too small for Chromium's shared memory.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1280, 900),
	}
}

// New starts Chromium for t and returns the context of one browser tab. Pass it to the
// chromedp actions (chromedp.Do, chromedp.Run). The browser runs with a new temporary profile
// (chromedp creates the user-data-dir and removes it when the browser stops); it is stopped
// when t ends. When Chromium is not installed, New skips t.
func New(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Skipf("browser test skipped: no Chromium at %s (install Debian's chromium package: apt-get install chromium; CI installs it)", ChromiumPath)
	}
	output := new(lockedBuffer)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), testTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromiumFlags(), chromedp.CombinedOutput(output))...)
	logs := &testLogger{t: t}
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logs.logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // also waits for the browser process to exit
		cancelTimeout()
		logs.stop()
		if t.Failed() {
			t.Logf("Chromium output:\n%s", output.relevant())
		}
	})
	// Start the browser and open the tab now, so a browser that cannot start fails here.
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("starting Chromium: %v\nChromium output:\n%s", err, output.relevant())
	}
	return tabCtx
}

// DisableJavaScript turns off script execution in the tab, as a visitor who blocks scripts
// would have it, to show that a page works without JavaScript.
func DisableJavaScript(ctx context.Context, t testing.TB) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disabling JavaScript: %v", err)
	}
}

// lockedBuffer collects the browser's output, which chromedp writes from another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// relevant returns the output without the D-Bus complaints that Chromium prints by the
// dozen on a machine without a desktop session, which say nothing about a test failure.
func (b *lockedBuffer) relevant() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var kept []string
	for line := range strings.Lines(b.buf.String()) {
		if !strings.Contains(line, "dbus/") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "")
}

// testLogger passes chromedp's error messages to t until the test ends; testing panics on a
// Log call after that, and a chromedp goroutine may still be winding down.
type testLogger struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLogger) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("chromedp: "+format, args...)
	}
}

func (l *testLogger) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}
