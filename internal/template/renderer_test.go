package template

import (
	"errors"
	htmltemplate "html/template"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/golden"
)

func newRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// render returns the response Render writes for page.
func render(t *testing.T, r *Renderer, status int, page Page) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := r.Render(rec, status, page); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return rec
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	for _, tc := range pageCases() {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			rec := render(t, r, http.StatusOK, tc.page)
			golden.Assert(t, tc.golden, rec.Body.Bytes())
		})
	}
}

// pageHeaders are the headers every page response must carry.
func pageHeaders(body []byte) http.Header {
	return http.Header{
		"Content-Type":            {"text/html; charset=utf-8"},
		"Cache-Control":           {"no-store"},
		"Content-Security-Policy": {"default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'"},
		"X-Frame-Options":         {"DENY"},
		"Content-Length":          {strconv.Itoa(len(body))},
	}
}

func TestRenderStatusAndHeaders(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	tests := []struct {
		status int
		page   Page
	}{
		{http.StatusOK, LoginPage{Action: "/login"}},
		{http.StatusUnauthorized, LoginPage{Action: "/login", Error: "Wrong username or password"}},
		{http.StatusOK, ConsentPage{Action: "/consent/1"}},
		{http.StatusNotFound, ErrorPage{Status: http.StatusNotFound}},
		{http.StatusServiceUnavailable, ErrorPage{Status: http.StatusServiceUnavailable}},
	}
	for _, tc := range tests {
		rec := render(t, r, tc.status, tc.page)
		if rec.Code != tc.status {
			t.Errorf("%T: status = %d, want %d", tc.page, rec.Code, tc.status)
		}
		if diff := cmp.Diff(pageHeaders(rec.Body.Bytes()), rec.Header()); diff != "" {
			t.Errorf("%T: headers (-want +got):\n%s", tc.page, diff)
		}
	}
}

// missingPage names a template that does not exist.
type missingPage struct{}

func (missingPage) templateName() string { return "missing.html" }

// brokenPage names a template that fails halfway through.
type brokenPage struct{}

func (brokenPage) templateName() string { return "broken.html" }

func TestRenderFailureSendsNoHalfPage(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	boom := errors.New("boom")
	r.pages["broken.html"] = htmltemplate.Must(htmltemplate.New("broken.html").
		Funcs(htmltemplate.FuncMap{"fail": func() (string, error) { return "", boom }}).
		Parse(`{{define "layout"}}<p>the first half of the page</p>{{fail}}{{end}}`))

	tests := []struct {
		name    string
		page    Page
		wantErr error
	}{
		{"template error", brokenPage{}, boom},
		{"unknown page", missingPage{}, nil},
		{"nil page", nil, nil},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		err := r.Render(rec, http.StatusOK, tc.page)
		if err == nil {
			t.Errorf("%s: Render returned nil error", tc.name)
		}
		if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: error %v does not wrap %v", tc.name, err, tc.wantErr)
		}
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s: status = %d, want 500", tc.name, rec.Code)
		}
		if diff := cmp.Diff(fallbackPage, rec.Body.String()); diff != "" {
			t.Errorf("%s: body (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(pageHeaders(rec.Body.Bytes()), rec.Header()); diff != "" {
			t.Errorf("%s: headers (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestRenderEscapesHostileInput checks that values chosen by a client's registrant or typed by
// a visitor never become markup or a script URL.
func TestRenderEscapesHostileInput(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	for _, tc := range pageCases() {
		if !strings.Contains(tc.golden, "hostile") {
			continue
		}
		body := render(t, r, http.StatusOK, tc.page).Body.String()
		for _, bad := range []string{"<script", "<img src=x", "<b>", "<i>", "javascript:", "data:text/html", `" onerror=`, `" onload=`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q unescaped", tc.golden, bad)
			}
		}
	}
}

func TestClientViewDisplayName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		client   ClientView
		wantName string
		wantHost string
	}{
		{ClientView{Name: "Element", URI: "https://element.io"}, "Element", "element.io"},
		{ClientView{Name: "  ", URI: "https://app.example.org:8443/x"}, "app.example.org", "app.example.org"},
		{ClientView{URI: "https://[2001:db8::1]/"}, "2001:db8::1", "2001:db8::1"},
		{ClientView{URI: "%zz"}, "An unnamed application", ""},
		{ClientView{}, "An unnamed application", ""},
	}
	for _, tc := range tests {
		if got := tc.client.DisplayName(); got != tc.wantName {
			t.Errorf("%+v.DisplayName() = %q, want %q", tc.client, got, tc.wantName)
		}
		if got := tc.client.Host(); got != tc.wantHost {
			t.Errorf("%+v.Host() = %q, want %q", tc.client, got, tc.wantHost)
		}
	}
}
