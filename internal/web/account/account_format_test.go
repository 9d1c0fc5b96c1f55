package account

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
)

func TestRelativeTime(t *testing.T) {
	t.Parallel()
	count := func(id string, n int64) i18n.Message { return i18n.Message{ID: id, Data: map[string]any{"Count": n}} }
	tests := []struct {
		ago  time.Duration
		want i18n.Message
	}{
		{-time.Hour, i18n.Message{ID: msgJustNow}}, // a replica's clock ahead of ours
		{0, i18n.Message{ID: msgJustNow}},
		{59 * time.Second, i18n.Message{ID: msgJustNow}},
		{time.Minute, count(msgMinutesAgo, 1)},
		{119 * time.Second, count(msgMinutesAgo, 1)},
		{59*time.Minute + 59*time.Second, count(msgMinutesAgo, 59)},
		{time.Hour, count(msgHoursAgo, 1)},
		{23 * time.Hour, count(msgHoursAgo, 23)},
		{24 * time.Hour, count(msgDaysAgo, 1)},
		{400 * 24 * time.Hour, count(msgDaysAgo, 400)},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, relativeTime(tc.ago)); diff != "" {
			t.Errorf("relativeTime(%v) (-want +got):\n%s", tc.ago, diff)
		}
	}
}

// TestTimeViewInEachLanguage renders a moment in English and German: the relative part
// translates, and the absolute part follows the catalogue's layout.
func TestTimeViewInEachLanguage(t *testing.T) {
	t.Parallel()
	bundle, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 2, 9, 5, 0, 0, time.FixedZone("CET", 3600))
	now := at.Add(3 * time.Hour)
	tests := []struct {
		lang, relative, absolute string
	}{
		{"en", "3 hours ago", "2026-11-02 08:05 UTC"},
		{"de", "vor 3 Stunden", "02.11.2026, 08:05 UTC"},
	}
	for _, tc := range tests {
		lang, ok := bundle.Language(tc.lang)
		if !ok {
			t.Fatalf("no language %s", tc.lang)
		}
		v := timeView(lang, at, now)
		relative, err := lang.Text(v.Relative)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{relative, v.Absolute, v.Machine}
		want := []string{tc.relative, tc.absolute, "2026-11-02T08:05:00Z"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.lang, diff)
		}
	}
	if v := timeView(i18n.Language{}, time.Time{}, now); v.Known() {
		t.Errorf("the zero time is shown as %+v", v)
	}
}

func TestShortUserAgent(t *testing.T) {
	t.Parallel()
	tests := []struct{ ua, want string }{
		{"", ""},
		{"   ", ""},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 · Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 · Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131 · Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari 18 · macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari 18 · iOS"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome 131 · Android"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 · ChromeOS"},
		{"Firefox/abc", "Firefox"},
		{"Element X/25.01.0 (iPhone; iOS 18.1; Scale/3.00)", "Element X/25.01.0"},
		{"Go-http-client/1.1", "Go-http-client/1.1"},
		{"matrix-rust-sdk \xff\xfe", "matrix-rust-sdk"},
		{strings.Repeat("é", 100), strings.Repeat("é", maxUserAgentDisplay-1) + "…"},
	}
	for _, tc := range tests {
		if got := shortUserAgent(tc.ua); got != tc.want {
			t.Errorf("shortUserAgent(%q) = %q, want %q", tc.ua, got, tc.want)
		}
	}
}

// TestDeviceClientViewKeepsOnlyHTTPSLogos: the pages' CSP loads no other image from elsewhere.
func TestDeviceClientViewKeepsOnlyHTTPSLogos(t *testing.T) {
	t.Parallel()
	tests := []struct{ logo, want string }{
		{"https://app.example/logo.png", "https://app.example/logo.png"},
		{"HTTPS://app.example/logo.png", "HTTPS://app.example/logo.png"},
		{"http://app.example/logo.png", ""},
		{"javascript:alert(1)", ""},
		{"data:image/png;base64,AAAA", ""},
		{"", ""},
	}
	for _, tc := range tests {
		c := model.Client{Metadata: model.ClientMetadata{ClientName: "App", LogoURI: tc.logo}}
		got := deviceClientView(c, "en")
		if diff := cmp.Diff(template.ClientView{Name: "App", LogoURI: tc.want}, got); diff != "" {
			t.Errorf("logo %q (-want +got):\n%s", tc.logo, diff)
		}
	}
}
