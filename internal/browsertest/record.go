package browsertest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// LogEntry is one message of the tab's console or of the browser's log.
type LogEntry struct {
	// Source is what wrote it: "console" for a console API call, "exception" for an uncaught
	// exception, or the browser log's source, e.g. "security" or "network".
	Source string
	// Level is "error", "warning", "info", "log", "debug" or "verbose".
	Level string
	Text  string
	URL   string
}

func (e LogEntry) String() string {
	if e.URL == "" {
		return fmt.Sprintf("[%s %s] %s", e.Source, e.Level, e.Text)
	}
	return fmt.Sprintf("[%s %s] %s (%s)", e.Source, e.Level, e.Text, e.URL)
}

// LogRecorder collects the messages of one tab. See RecordLog.
type LogRecorder struct {
	mu      sync.Mutex
	entries []LogEntry
}

// RecordLog starts recording the tab's console messages, uncaught exceptions and browser-log
// entries. Chromium reports a Content-Security-Policy violation as a browser-log error, even
// with JavaScript disabled.
//
// The recorder sees every message that arrives before the reply to any later command: after
// chromedp.Navigate returns (it waits for the load event), Entries holds the messages of the
// page's loading.
func RecordLog(ctx context.Context, t testing.TB) *LogRecorder {
	t.Helper()
	r := &LogRecorder{}
	// chromedp.Listen calls the func on the goroutine that reads the browser's messages,
	// before it reads the next one, which gives the ordering promised above.
	err := chromedp.Listen(ctx, func(ev any) {
		var e LogEntry
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			e = LogEntry{Source: string(ev.Entry.Source), Level: string(ev.Entry.Level), Text: ev.Entry.Text, URL: ev.Entry.URL}
		case *runtime.EventConsoleAPICalled:
			e = LogEntry{Source: "console", Level: string(ev.Type), Text: consoleText(ev.Args)}
		case *runtime.EventExceptionThrown:
			e = LogEntry{Source: "exception", Level: "error", Text: ev.ExceptionDetails.Text, URL: ev.ExceptionDetails.URL}
			if ex := ev.ExceptionDetails.Exception; ex != nil && ex.Description != "" {
				e.Text += " " + ex.Description
			}
		default:
			return
		}
		r.mu.Lock()
		r.entries = append(r.entries, e)
		r.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("recording the browser log: %v", err)
	}
	return r
}

// Entries returns the messages recorded so far, oldest first.
func (r *LogRecorder) Entries() []LogEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]LogEntry(nil), r.entries...)
}

// Reset forgets the messages recorded so far.
func (r *LogRecorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = nil
}

func consoleText(args []*runtime.RemoteObject) string {
	var text string
	for i, a := range args {
		if i > 0 {
			text += " "
		}
		switch {
		case a.Description != "":
			text += a.Description
		case len(a.Value) > 0:
			text += string(a.Value)
		default:
			text += string(a.Type)
		}
	}
	return text
}
