package account

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
)

// Message ids of moments on the account pages.
const (
	msgTimeFormat  = "AccountTimeFormat"
	msgJustNow     = "AccountJustNow"
	msgMinutesAgo  = "AccountMinutesAgo"
	msgHoursAgo    = "AccountHoursAgo"
	msgDaysAgo     = "AccountDaysAgo"
	fallbackLayout = "2006-01-02 15:04 UTC"
)

// timeView shows t on a page in lang: how long before now, and the date and time in UTC
// written as the language writes them (the catalogue holds the layout). The zero time is
// unknown.
func timeView(lang i18n.Language, t, now time.Time) template.TimeView {
	if t.IsZero() {
		return template.TimeView{}
	}
	layout, err := lang.Text(i18n.Message{ID: msgTimeFormat})
	if err != nil {
		layout = fallbackLayout
	}
	t = t.UTC()
	return template.TimeView{Relative: relativeTime(now.Sub(t)), Absolute: t.Format(layout), Machine: t.Format(time.RFC3339)}
}

// relativeTime says how long ago something happened, rounded down to the largest unit that
// fits. A moment in the future (replicas whose clocks disagree) is "just now".
func relativeTime(ago time.Duration) i18n.Message {
	count := func(id string, unit time.Duration) i18n.Message {
		return i18n.Message{ID: id, Data: map[string]any{"Count": int64(ago / unit)}}
	}
	switch {
	case ago < time.Minute:
		return i18n.Message{ID: msgJustNow}
	case ago < time.Hour:
		return count(msgMinutesAgo, time.Minute)
	case ago < 24*time.Hour:
		return count(msgHoursAgo, time.Hour)
	}
	return count(msgDaysAgo, 24*time.Hour)
}

// deviceClientView is what the device pages show of the client holding a session. The logo
// is kept only when it is https: the pages' Content-Security-Policy loads no other image from
// elsewhere, and a blocked image would only make the browser complain.
func deviceClientView(c model.Client, acceptLanguage string) template.ClientView {
	v := clientView(c.Metadata, acceptLanguage)
	if !strings.HasPrefix(strings.ToLower(v.LogoURI), "https://") {
		v.LogoURI = ""
	}
	return v
}

// maxUserAgentDisplay bounds a user agent shown in a list, in characters.
const maxUserAgentDisplay = 60

// Browsers by the product token that identifies them, most specific first: Edge and Opera
// also send "Chrome/", Chrome also sends "Safari/".
var browserTokens = []struct{ token, name string }{
	{"Edg/", "Edge"},
	{"OPR/", "Opera"},
	{"Firefox/", "Firefox"},
	{"Chrome/", "Chrome"},
	{"Chromium/", "Chromium"},
}

// Platforms by a word of the User-Agent's comment, most specific first: Android and
// ChromeOS also say "Linux", iPads say "Mac OS X" when they ask for desktop pages.
var platformTokens = []struct{ token, name string }{
	{"Android", "Android"},
	{"iPhone", "iOS"},
	{"iPad", "iPadOS"},
	{"CrOS", "ChromeOS"},
	{"Windows", "Windows"},
	{"Mac OS X", "macOS"},
	{"Macintosh", "macOS"},
	{"Linux", "Linux"},
}

// majorVersion is the leading number of a product version ("128" of "128.0.1").
var majorVersion = regexp.MustCompile(`^[0-9]+`)

// shortUserAgent makes a User-Agent readable in a list: "Firefox 128 · Linux" for a known
// browser; for anything else (a Matrix app such as "Element X/25.01 (iPhone; iOS 18)") its
// first product token, cut to maxUserAgentDisplay characters. The full value is on the
// device's own page.
func shortUserAgent(ua string) string {
	ua = strings.TrimSpace(strings.ToValidUTF8(ua, ""))
	if ua == "" {
		return ""
	}
	if name, ok := browserName(ua); ok {
		if platform := platformName(ua); platform != "" {
			return name + " · " + platform
		}
		return name
	}
	product, _, _ := strings.Cut(ua, " (")
	return cutRunes(product, maxUserAgentDisplay)
}

// browserName names the browser of a User-Agent with its major version, "Safari 17" for
// Safari (which puts its version in "Version/").
func browserName(ua string) (string, bool) {
	for _, b := range browserTokens {
		if _, rest, ok := strings.Cut(ua, b.token); ok {
			return withVersion(b.name, rest), true
		}
	}
	if strings.Contains(ua, "Safari/") {
		_, rest, _ := strings.Cut(ua, "Version/")
		return withVersion("Safari", rest), true
	}
	return "", false
}

func withVersion(name, version string) string {
	if v := majorVersion.FindString(version); v != "" {
		return name + " " + v
	}
	return name
}

// platformName names the operating system in a User-Agent's first comment, or "".
func platformName(ua string) string {
	_, comment, ok := strings.Cut(ua, "(")
	if !ok {
		return ""
	}
	comment, _, _ = strings.Cut(comment, ")")
	for _, p := range platformTokens {
		if strings.Contains(comment, p.token) {
			return p.name
		}
	}
	return ""
}

// cutRunes shortens s to at most n characters, marking a cut with an ellipsis.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
