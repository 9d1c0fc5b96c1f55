// Package browsertest runs tests in a real browser: Debian's Chromium, driven over the
// Chrome DevTools Protocol with github.com/chromedp/chromedp.
//
// New starts a headless Chromium with a fresh temporary profile for one test and returns the
// context of a tab; the browser stops and the profile is removed when the test ends. When
// Chromium is not installed at ChromiumPath the test is skipped, so `go test ./...` works on a
// bare machine; CI installs the chromium package so these tests always run there.
//
// The helpers cover what mxauth's pages need checked in a browser rather than in their
// markup: RecordLog collects console and browser-log messages (a Content-Security-Policy
// violation is reported there), DisableJavaScript proves a page works without scripts, and
// Screenshot saves a PNG for a person to look at.
//
// The package's own test serves the pages of internal/template on an httptest server and
// checks them in Chromium: the stylesheet is applied, the forms submit without JavaScript,
// and the Content-Security-Policy blocks nothing the pages use.
package browsertest
