package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// EmulateColorScheme makes the tab match (prefers-color-scheme: scheme), "light" or "dark";
// "" returns to the browser's own preference.
func EmulateColorScheme(ctx context.Context, t testing.TB, scheme string) {
	t.Helper()
	params := emulation.SetEmulatedMediaParams{}
	if scheme != "" {
		params.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, params); err != nil {
		t.Fatalf("emulating color scheme %q: %v", scheme, err)
	}
}

// EmulatePhone gives the tab a phone's viewport, width CSS pixels wide, with touch input
// and the mobile meta-viewport handling. EmulateDesktop undoes it.
func EmulatePhone(ctx context.Context, t testing.TB, width, height int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatalf("emulating a %dx%d phone: %v", width, height, err)
	}
}

// EmulateDesktop removes the viewport override of EmulatePhone.
func EmulateDesktop(ctx context.Context, t testing.TB) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatalf("resetting the viewport: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{}); err != nil {
		t.Fatalf("turning touch emulation off: %v", err)
	}
}

// HorizontalOverflow reports by how many CSS pixels the page is wider than its viewport: 0
// for a page that needs no sideways scrolling. It reads the layout from the browser, so it
// works with JavaScript disabled.
func HorizontalOverflow(ctx context.Context, t testing.TB) float64 {
	t.Helper()
	m, err := chromedp.Call(ctx, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		t.Fatalf("reading the layout metrics: %v", err)
	}
	if m.CSSContentSize == nil || m.CSSLayoutViewport == nil {
		t.Fatal("the browser reported no layout metrics")
	}
	return max(0, m.CSSContentSize.Width-float64(m.CSSLayoutViewport.ClientWidth))
}
