package template

import (
	"bytes"
	"errors"
	htmltemplate "html/template"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/golden"
	"github.com/mxauth/mxauth/internal/i18n"
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
	for _, tc := range localizedCases() {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			rec := render(t, r, http.StatusOK, tc.page)
			golden.Assert(t, tc.golden, rec.Body.Bytes())
		})
	}
}

// pageHeaders are the headers every page response must carry.
func pageHeaders(body []byte, lang string) http.Header {
	return http.Header{
		"Content-Type":            {"text/html; charset=utf-8"},
		"Content-Language":        {lang},
		"Cache-Control":           {"no-store"},
		"Content-Security-Policy": {"default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'"},
		"X-Frame-Options":         {"DENY"},
		"Referrer-Policy":         {"same-origin"},
		"X-Content-Type-Options":  {"nosniff"},
		"Vary":                    {"Accept-Language"},
		"Content-Length":          {strconv.Itoa(len(body))},
	}
}

// TestEveryPageHasTheSecurityHeaders renders every page in every language, with the statuses
// the handlers send, and checks the complete header set.
func TestEveryPageHasTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	for _, tc := range localizedCases() {
		for _, status := range []int{http.StatusOK, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests} {
			rec := render(t, r, status, tc.page)
			if rec.Code != status {
				t.Errorf("%s: status = %d, want %d", tc.golden, rec.Code, status)
			}
			lang, _, _ := strings.Cut(tc.golden, "/")
			if diff := cmp.Diff(pageHeaders(rec.Body.Bytes(), lang), rec.Header()); diff != "" {
				t.Errorf("%s: headers (-want +got):\n%s", tc.golden, diff)
			}
		}
	}
}

func TestRenderKeepsOtherVaryValues(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	tests := []struct {
		before []string
		want   []string
	}{
		{[]string{"Origin"}, []string{"Origin", "Accept-Language"}},
		{[]string{"Accept-Language"}, []string{"Accept-Language"}},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		rec.Header()["Vary"] = tc.before
		if err := r.Render(rec, http.StatusOK, ErrorPage{Status: 404}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, rec.Header()["Vary"]); diff != "" {
			t.Errorf("Vary after %v (-want +got):\n%s", tc.before, diff)
		}
	}
}

// TestPageLanguage checks that the page is written in the language its Lang is matched to,
// and says so in <html lang> and Content-Language.
func TestPageLanguage(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	tests := []struct {
		lang      string
		want      string
		wantTitle string
	}{
		{"", "en", "<title>Sign in · example.com</title>"},
		{"en", "en", "<title>Sign in · example.com</title>"},
		{"en-GB", "en", "<title>Sign in · example.com</title>"},
		{"de", "de", "<title>Anmelden · example.com</title>"},
		{"de-AT", "de", "<title>Anmelden · example.com</title>"},
		{"fr", "en", "<title>Sign in · example.com</title>"},
		{`en" onload="alert(1)`, "en", "<title>Sign in · example.com</title>"},
	}
	for _, tc := range tests {
		rec := render(t, r, http.StatusOK, LoginPage{Layout: Layout{Lang: tc.lang, ServerName: "example.com"}, Action: "/login"})
		body := rec.Body.String()
		if !strings.Contains(body, `<html lang="`+tc.want+`">`) || !strings.Contains(body, tc.wantTitle) {
			t.Errorf("Lang %q: page lacks <html lang=%q> or %s:\n%s", tc.lang, tc.want, tc.wantTitle, body)
		}
		if got := rec.Header().Get("Content-Language"); got != tc.want {
			t.Errorf("Lang %q: Content-Language = %q, want %q", tc.lang, got, tc.want)
		}
	}
}

// missingPage names a template that does not exist.
type missingPage struct{ Layout }

func (missingPage) templateName() string { return "missing.html" }

// brokenPage names a template that fails halfway through.
type brokenPage struct{ Layout }

func (brokenPage) templateName() string { return "broken.html" }

func TestRenderFailureSendsNoHalfPage(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	boom := errors.New("boom")
	r.sets["en"].pages["broken.html"] = htmltemplate.Must(htmltemplate.New("broken.html").
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
		{"unknown message id", ErrorPage{Heading: i18n.Message{ID: "NoSuchMessage"}}, nil},
		{"message without its data", ErrorPage{Explanation: i18n.Message{ID: "TooManyRequestsMinutes"}}, nil},
		{"unknown label", LoginPage{Errors: FieldErrors{FieldUsername: {ID: "NoSuchMessage"}}}, nil},
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
		if diff := cmp.Diff(pageHeaders(rec.Body.Bytes(), "en"), rec.Header()); diff != "" {
			t.Errorf("%s: headers (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestRenderEscapesHostileInput checks that values chosen by a client's registrant or typed by
// a visitor never become markup or a script URL.
func TestRenderEscapesHostileInput(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	for _, tc := range localizedCases() {
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
		{ClientView{URI: "%zz"}, "", ""},
		{ClientView{}, "", ""},
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

func TestBranding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		layout             Layout
		wantName, wantLogo string
	}{
		{Layout{ServerName: "example.com"}, "example.com", ""},
		{Layout{ServerName: "example.com", Branding: Branding{ServiceName: " Example Chat "}}, "Example Chat", ""},
		{Layout{ServerName: "example.com", Branding: Branding{ServiceName: "  "}}, "example.com", ""},
		{brandedLayout, "Example Chat", "https://example.com/logo.svg"},
		{Layout{ServerName: "example.com", Branding: Branding{LogoURI: "http://example.com/logo.png"}}, "example.com", ""},
		{Layout{Branding: Branding{LogoURI: "https://example.com/logo.png"}}, "", ""}, // no name for the alt text
	}
	for _, tc := range tests {
		if got := tc.layout.SiteName(); got != tc.wantName {
			t.Errorf("%+v.SiteName() = %q, want %q", tc.layout, got, tc.wantName)
		}
		if got := tc.layout.SiteLogo(); got != tc.wantLogo {
			t.Errorf("%+v.SiteLogo() = %q, want %q", tc.layout, got, tc.wantLogo)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		wait        time.Duration
		wantSeconds int64
		wantID      string
		wantCount   int64
	}{
		{-time.Second, 1, "TooManyRequestsSeconds", 1},
		{0, 1, "TooManyRequestsSeconds", 1},
		{1500 * time.Millisecond, 2, "TooManyRequestsSeconds", 2},
		{59 * time.Second, 59, "TooManyRequestsSeconds", 59},
		{60 * time.Second, 60, "TooManyRequestsMinutes", 1},
		{61 * time.Second, 61, "TooManyRequestsMinutes", 2},
		{150 * time.Second, 150, "TooManyRequestsMinutes", 3},
		{time.Hour, 3600, "TooManyRequestsHours", 1},
		{time.Hour + time.Second, 3601, "TooManyRequestsHours", 2},
		{time.Duration(1<<63 - 1), 9223372036, "TooManyRequestsHours", 2562048},
	}
	for _, tc := range tests {
		if got := RetryAfterSeconds(tc.wait); got != tc.wantSeconds {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tc.wait, got, tc.wantSeconds)
		}
		want := i18n.Message{ID: tc.wantID, Data: map[string]any{"Count": tc.wantCount}}
		if diff := cmp.Diff(want, retryMessage(tc.wait)); diff != "" {
			t.Errorf("retryMessage(%v) (-want +got):\n%s", tc.wait, diff)
		}
	}
}

// TestMessageIDsExist checks that every message id the templates name literally, and every
// one this package's Go code hands to them, is in the catalogues. (Rendering fails on an
// unknown id too, but only on the paths a test renders.)
func TestMessageIDsExist(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	var ids []string
	for _, page := range r.sets[i18n.Source].pages {
		for _, tmpl := range page.Templates() {
			if tmpl.Tree != nil {
				ids = append(ids, literalMessageIDs(tmpl.Tree.Root)...)
			}
		}
	}
	if len(ids) < 30 {
		t.Fatalf("found only %d message ids in the templates: is the walker broken?", len(ids))
	}
	ids = append(ids, MsgUsernameMissing, MsgPasswordMissing, MsgUsernameOtherServer, MsgWrongCredentials,
		"LoginUsername", "LoginPassword", "LoginUsernameHint", "ClientUnnamed", "ErrorGeneric",
		ForbiddenPage(Layout{}, "").Heading.ID, ForbiddenPage(Layout{}, "").Explanation.ID,
		TooManyRequestsPage(Layout{}, 0, "").Heading.ID)
	for _, id := range statusHeadings {
		ids = append(ids, id)
	}
	for _, id := range ids {
		if !r.Bundle().Has(id) {
			t.Errorf("message id %q is not in the catalogues", id)
		}
	}
}

// literalMessageIDs returns the string literal passed to every t or tsplit call under n.
func literalMessageIDs(n parse.Node) []string {
	var ids []string
	var walk func(parse.Node)
	walkPipe := func(p *parse.PipeNode) {
		if p == nil {
			return
		}
		for _, cmd := range p.Cmds {
			if len(cmd.Args) >= 2 {
				if fn, ok := cmd.Args[0].(*parse.IdentifierNode); ok && (fn.Ident == "t" || fn.Ident == "tsplit") {
					if s, ok := cmd.Args[1].(*parse.StringNode); ok {
						ids = append(ids, s.Text)
					}
				}
			}
			for _, arg := range cmd.Args {
				walk(arg)
			}
		}
	}
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walkPipe(n.Pipe)
		case *parse.PipeNode:
			walkPipe(n)
		case *parse.IfNode:
			walkPipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walkPipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walkPipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walkPipe(n.Pipe)
		}
	}
	walk(n)
	return ids
}

func BenchmarkRenderLogin(b *testing.B) {
	r, err := New()
	if err != nil {
		b.Fatal(err)
	}
	page := LoginPage{Layout: Layout{Lang: "de", ServerName: "example.com"}, Action: "/login", CSRFToken: "t", Username: "alice", Error: wrongCredentials}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		rec.Body = bytes.NewBuffer(make([]byte, 0, 8<<10))
		if err := r.Render(rec, http.StatusOK, page); err != nil {
			b.Fatal(err)
		}
	}
}
