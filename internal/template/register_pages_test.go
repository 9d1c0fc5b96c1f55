package template

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mxauth/mxauth/internal/i18n"
)

// registerFixture is a sign-up page with every optional part shown.
func registerFixture() RegisterPage {
	return RegisterPage{
		Layout: Layout{ServerName: "example.com", BasePath: "/auth", Branding: Branding{TOSURI: "https://example.com/terms"}},
		Action: "/auth/register", CheckAction: "/auth/register/check", AvailabilityURL: "/auth/register/available",
		LoginURL:   "/auth/login?next=%2Fauth%2Fconsent%2F01JDX4T3Q8W7M2B6Z9K5R1N0CE",
		CSRFToken:  "kVh3c9Zr2QpLx0aTfW8nB1yE",
		Next:       "/auth/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
		ClientName: "Element", TokenRequired: true, PasswordMinLength: 8,
	}
}

// registerFields are every field name the sign-up form may post.
var registerFields = []string{FieldCSRF, FieldNext, FieldUsername, FieldDisplayName, FieldPassword,
	FieldPasswordConfirm, FieldRegistrationToken, FieldTOS}

// TestRegisterPageStructure checks the sign-up page as TestPageStructure checks the others,
// plus what is particular to it: the hidden default button first (Enter creates the account),
// the check button's formaction, the live region, the script and the scripted CSP.
func TestRegisterPageStructure(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	filled := registerFixture()
	filled.Username, filled.DisplayName, filled.RegistrationToken, filled.TOSAccepted = "Alice", "Alice A.", "mrt_x", true
	filled.Errors = FieldErrors{
		FieldUsername:        {ID: "RegisterUsernameUpperCase", Data: map[string]any{"Suggestion": "alice"}},
		FieldPasswordConfirm: {ID: "RegisterPasswordMismatch"},
		FieldTOS:             {ID: "RegisterTOSMissing"},
	}
	for _, lang := range []string{"en", "de"} {
		for name, page := range map[string]RegisterPage{"empty": registerFixture(), "filled": filled} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				t.Parallel()
				page.Lang = lang
				rec := render(t, r, http.StatusOK, page)
				if got := rec.Header().Get("Content-Security-Policy"); got != scriptedPageCSP[0] {
					t.Errorf("CSP %q, want the scripted page's", got)
				}
				doc := parsePage(t, rec.Body.Bytes())
				checkRegisterDocument(t, r, doc, page)
			})
		}
	}
}

func checkRegisterDocument(t *testing.T, r *Renderer, doc *html.Node, page RegisterPage) {
	t.Helper()
	forms := elements(doc, atom.Form)
	if len(forms) != 1 {
		t.Fatalf("%d forms, want 1", len(forms))
	}
	form := forms[0]
	if action, _ := attr(form, "action"); action != page.Action {
		t.Errorf("form action %q, want %q", action, page.Action)
	}
	buttons := elements(form, atom.Button)
	if len(buttons) != 3 {
		t.Fatalf("%d buttons, want the hidden default, the check and the submit button", len(buttons))
	}
	if _, hidden := attr(buttons[0], "hidden"); !hidden {
		t.Error("the first button (the one Enter presses) is not the hidden default button")
	}
	if _, ok := attr(buttons[0], "formaction"); ok {
		t.Error("the default button has a formaction: Enter would not create the account")
	}
	if fa, _ := attr(buttons[1], "formaction"); fa != page.CheckAction {
		t.Errorf("check button formaction %q, want %q", fa, page.CheckAction)
	}
	if _, ok := attr(buttons[1], "formnovalidate"); !ok {
		t.Error("the check button validates the form: empty passwords would block it")
	}
	ids, labelFor := map[string]bool{}, map[string]bool{}
	for d := range doc.Descendants() {
		if id, ok := attr(d, "id"); ok && d.Type == html.ElementNode {
			if ids[id] {
				t.Errorf("id %q is used twice", id)
			}
			ids[id] = true
		}
		if f, ok := attr(d, "for"); ok && d.DataAtom == atom.Label {
			labelFor[f] = true
		}
	}
	autofocus := 0
	for _, in := range elements(form, atom.Input) {
		name, _ := attr(in, "name")
		typ, _ := attr(in, "type")
		id, _ := attr(in, "id")
		if !slices.Contains(registerFields, name) {
			t.Errorf("field %q is not one of the sign-up Field* constants", name)
		}
		if typ != "hidden" && !labelFor[id] {
			t.Errorf("input %q has no label", name)
		}
		if v, ok := attr(in, "value"); typ == "password" && ok {
			t.Errorf("password field %s shows the value %q", name, v)
		}
		if described, ok := attr(in, "aria-describedby"); ok {
			for _, ref := range strings.Fields(described) {
				if !ids[ref] {
					t.Errorf("%s: aria-describedby names %q, which is no element", name, ref)
				}
			}
		}
		if _, ok := attr(in, "autofocus"); ok {
			autofocus++
		}
	}
	if autofocus != 1 {
		t.Errorf("%d fields have autofocus, want 1", autofocus)
	}
	live := byID(doc, AvailabilityID)
	if live == nil {
		t.Fatalf("no live region #%s", AvailabilityID)
	} else if v, _ := attr(live, "aria-live"); v != "polite" {
		t.Errorf("#%s has aria-live %q, want polite", AvailabilityID, v)
	}
	scripts := elements(doc, atom.Script)
	if len(scripts) != 1 {
		t.Fatalf("%d scripts, want 1", len(scripts))
	}
	src, _ := attr(scripts[0], "src")
	if src != page.BasePath+r.RegisterScriptPath() || scripts[0].FirstChild != nil {
		t.Errorf("script src %q with content %v; want %s and no inline code", src, scripts[0].FirstChild, page.BasePath+r.RegisterScriptPath())
	}
}

func byID(doc *html.Node, id string) *html.Node {
	for d := range doc.Descendants() {
		if v, ok := attr(d, "id"); ok && v == id {
			return d
		}
	}
	return nil
}

// TestRegisterPageFields checks what the page shows and keeps for each kind of data.
func TestRegisterPageFields(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	tests := []struct {
		name  string
		edit  func(*RegisterPage)
		want  []string // substrings of the page
		avoid []string
	}{
		{"no token, no terms", func(p *RegisterPage) { p.TokenRequired, p.TOSURI = false, "" },
			nil, []string{`name="registration_token"`, `name="tos"`}},
		{"values kept, passwords never", func(p *RegisterPage) {
			p.Username, p.DisplayName, p.RegistrationToken = "alice", "Alice <A>", "mrt_abc"
		}, []string{`value="alice"`, `value="Alice &lt;A&gt;"`, `value="mrt_abc"`}, []string{`type="password" value`}},
		{"terms ticked", func(p *RegisterPage) { p.TOSAccepted = true }, []string{` checked`, `href="https://example.com/terms"`}, nil},
		{"availability shown", func(p *RegisterPage) {
			p.Username, p.Available = "alice", i18n.Message{ID: "RegisterUsernameAvailable"}
		}, []string{`aria-live="polite">This username is available.</p>`}, nil},
		{"page alert", func(p *RegisterPage) { p.Error = i18n.Message{ID: "RegisterUsernameUncheckable"} },
			[]string{`role="alert"`}, nil},
		{"minimum length in the hint", func(p *RegisterPage) { p.PasswordMinLength = 12 }, []string{"At least 12 characters."}, nil},
		{"continues to the client", nil, []string{`<strong class="client-name">Element</strong>`, `name="next" value="/auth/consent/`}, nil},
		{"hostile values escaped", func(p *RegisterPage) {
			p.Username, p.ClientName = `"><script>alert(1)</script>`, "<img src=x onerror=alert(1)>"
		}, nil, []string{"<script>alert", "<img src=x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			page := registerFixture()
			if tc.edit != nil {
				tc.edit(&page)
			}
			body := render(t, r, http.StatusOK, page).Body.String()
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tc.avoid {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
}

func TestRegisterFocus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		username string
		errs     FieldErrors
		want     string
	}{
		{"empty form", "", nil, FieldUsername},
		{"after a check", "alice", nil, ""},
		{"first error wins", "alice", FieldErrors{FieldTOS: {ID: "x"}, FieldPassword: {ID: "x"}}, FieldPassword},
		{"terms only", "alice", FieldErrors{FieldTOS: {ID: "x"}}, FieldTOS},
	}
	for _, tc := range tests {
		p := RegisterPage{Username: tc.username, Errors: tc.errs}
		if got := p.focus(); got != tc.want {
			t.Errorf("%s: focus %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRegisteredPage(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	for _, lang := range []string{"en", "de"} {
		rec := render(t, r, http.StatusOK, RegisteredPage{
			Layout: Layout{Lang: lang, ServerName: "example.com"}, UserID: "@alice:example.com", AccountURL: "/account/",
		})
		body := rec.Body.String()
		if !strings.Contains(body, `<strong class="username">@alice:example.com</strong>`) || !strings.Contains(body, `href="/account/"`) {
			t.Errorf("%s: welcome page lacks the user ID or the account link:\n%s", lang, body)
		}
		if got := rec.Header().Get("Content-Security-Policy"); got != pageCSP[0] {
			t.Errorf("%s: a page without script got the CSP %q", lang, got)
		}
	}
}

func TestRegisterScriptAsset(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	path := r.RegisterScriptPath()
	if !regexp.MustCompile(`^/assets/register\.[0-9a-f]{16}\.js$`).MatchString(path) {
		t.Errorf("RegisterScriptPath() = %q, want /assets/register.<16 hex>.js", path)
	}
	rec := httptest.NewRecorder()
	r.AssetHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://mxauth.example"+path, nil))
	got := http.Header{"Content-Type": rec.Header()["Content-Type"], "Cache-Control": rec.Header()["Cache-Control"]}
	want := http.Header{"Content-Type": {"text/javascript; charset=utf-8"}, "Cache-Control": {"public, max-age=31536000, immutable"}}
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), registerJS) {
		t.Errorf("GET %s: %d, %d bytes", path, rec.Code, rec.Body.Len())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	// The script must not need 'unsafe-eval' or inline handlers, which the CSP forbids.
	for _, banned := range []string{"eval(", "new Function", "innerHTML", "setAttribute(\"on"} {
		if bytes.Contains(registerJS, []byte(banned)) {
			t.Errorf("register.js uses %s", banned)
		}
	}
}
