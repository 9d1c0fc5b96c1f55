package template

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mxauth/mxauth/internal/i18n"
)

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// elements returns every element under n with tag a, in document order.
func elements(n *html.Node, a atom.Atom) []*html.Node {
	var found []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.DataAtom == a {
			found = append(found, d)
		}
	}
	return found
}

func parsePage(t *testing.T, body []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing page: %v", err)
	}
	return doc
}

// TestPageStructure checks, on every golden page, what assistive technology and browsers
// rely on: a language, one <main> landmark, a label for every visible input, alt text on
// images, no script, the stylesheet link, and forms that post the fields handlers read.
func TestPageStructure(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	formFields := []string{FieldCSRF, FieldNext, FieldUsername, FieldPassword, FieldAction}
	for _, tc := range localizedCases() {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			doc := parsePage(t, render(t, r, http.StatusOK, tc.page).Body.Bytes())

			htmlEl := elements(doc, atom.Html)[0]
			if lang, _ := attr(htmlEl, "lang"); lang == "" {
				t.Error("<html> has no lang")
			}
			if n := len(elements(doc, atom.Main)); n != 1 {
				t.Errorf("%d <main> elements, want 1", n)
			}
			if n := len(elements(doc, atom.H1)); n != 1 {
				t.Errorf("%d <h1> elements, want 1", n)
			}
			if titles := elements(doc, atom.Title); len(titles) != 1 || strings.TrimSpace(titles[0].FirstChild.Data) == "" {
				t.Error("page has no <title>")
			}
			if n := len(elements(doc, atom.Script)); n != 0 {
				t.Errorf("%d <script> elements, want none", n)
			}
			var viewport, stylesheet bool
			for _, m := range elements(doc, atom.Meta) {
				if name, _ := attr(m, "name"); name == "viewport" {
					viewport = true
				}
			}
			for _, l := range elements(doc, atom.Link) {
				rel, _ := attr(l, "rel")
				href, _ := attr(l, "href")
				stylesheet = stylesheet || rel == "stylesheet" && href == tc.page.base().BasePath+r.StylesheetPath()
			}
			if !viewport || !stylesheet {
				t.Errorf("viewport meta present: %v, stylesheet link to %s present: %v", viewport, r.StylesheetPath(), stylesheet)
			}

			labelFor := map[string]bool{}
			for _, l := range elements(doc, atom.Label) {
				if id, ok := attr(l, "for"); ok {
					labelFor[id] = true
				}
			}
			ids := map[string]bool{}
			for d := range doc.Descendants() {
				if id, ok := attr(d, "id"); ok && d.Type == html.ElementNode {
					if ids[id] {
						t.Errorf("id %q is used twice", id)
					}
					ids[id] = true
				}
			}
			for _, in := range elements(doc, atom.Input) {
				typ, _ := attr(in, "type")
				if typ == "hidden" || typ == "submit" {
					continue
				}
				id, _ := attr(in, "id")
				if id == "" || !labelFor[id] {
					t.Errorf("input %v has no <label for> matching its id %q", in.Attr, id)
				}
			}
			for d := range doc.Descendants() {
				described, ok := attr(d, "aria-describedby")
				if !ok {
					continue
				}
				for _, id := range strings.Fields(described) {
					if !ids[id] {
						t.Errorf("aria-describedby of %v names %q, which is no element's id", d.Attr, id)
					}
				}
				if described == "" {
					t.Errorf("empty aria-describedby on %v", d.Attr)
				}
			}
			for _, in := range elements(doc, atom.Input) {
				if typ, _ := attr(in, "type"); typ == "password" {
					if v, ok := attr(in, "value"); ok {
						t.Errorf("password field shows a value %q", v)
					}
				}
			}
			if n := countAttr(doc, "autofocus"); n > 1 {
				t.Errorf("%d elements have autofocus, want at most 1", n)
			}
			for _, img := range elements(doc, atom.Img) {
				if alt, _ := attr(img, "alt"); strings.TrimSpace(alt) == "" {
					t.Errorf("img %v has no alt text", img.Attr)
				}
			}
			for _, a := range elements(doc, atom.A) {
				if target, _ := attr(a, "target"); target != "_blank" {
					continue
				}
				if rel, _ := attr(a, "rel"); !slices.Contains(strings.Fields(rel), "noopener") || !slices.Contains(strings.Fields(rel), "noreferrer") {
					t.Errorf("link %v opens a new tab without rel=\"noopener noreferrer\"", a.Attr)
				}
			}
			for _, form := range elements(doc, atom.Form) {
				if method, _ := attr(form, "method"); method != "post" {
					t.Errorf("form %v has method %q, want post", form.Attr, method)
				}
				var hasCSRF bool
				for _, d := range slices.Concat(elements(form, atom.Input), elements(form, atom.Button)) {
					name, ok := attr(d, "name")
					if !ok {
						continue
					}
					if !slices.Contains(formFields, name) {
						t.Errorf("form field %q is not one of the Field* constants", name)
					}
					hasCSRF = hasCSRF || name == FieldCSRF
				}
				if !hasCSRF {
					t.Errorf("form %v has no %s field", form.Attr, FieldCSRF)
				}
			}
		})
	}
}

// TestConsentDecisionIsOneForm checks that Allow and Deny are two submit buttons of one form,
// so both carry the same CSRF token and the handler sees exactly one action value.
func TestConsentDecisionIsOneForm(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	page := findCase(t, "consent.html").(ConsentPage)
	doc := parsePage(t, render(t, r, http.StatusOK, page).Body.Bytes())

	type button struct{ Form, Type, Name, Value string }
	var got []button
	for _, form := range elements(doc, atom.Form) {
		action, _ := attr(form, "action")
		for _, b := range elements(form, atom.Button) {
			name, _ := attr(b, "name")
			if name != FieldAction {
				continue
			}
			typ, _ := attr(b, "type")
			value, _ := attr(b, "value")
			got = append(got, button{action, typ, name, value})
		}
	}
	want := []button{
		{page.Action, "submit", FieldAction, ActionAllow},
		{page.Action, "submit", FieldAction, ActionDeny},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decision buttons (-want +got):\n%s", diff)
	}
}

// TestLoginErrorIsAnAlert checks that the error is announced (role="alert"), in the page's
// language, when set and that no alert is shown when not.
func TestLoginErrorIsAnAlert(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	tests := []struct {
		lang string
		err  i18n.Message
		want []string
	}{
		{"en", i18n.Message{}, nil},
		{"en", wrongCredentials, []string{"Wrong username or password."}},
		{"de", wrongCredentials, []string{"Benutzername oder Passwort ist falsch."}},
	}
	for _, tc := range tests {
		page := LoginPage{Layout: Layout{Lang: tc.lang}, Action: "/login", Error: tc.err}
		doc := parsePage(t, render(t, r, http.StatusOK, page).Body.Bytes())
		var alerts []string
		for d := range doc.Descendants() {
			if role, _ := attr(d, "role"); role == "alert" {
				alerts = append(alerts, d.FirstChild.Data)
				if id, _ := attr(d, "id"); id != AlertID {
					t.Errorf("alert id = %q, want %q", id, AlertID)
				}
			}
		}
		if diff := cmp.Diff(tc.want, alerts); diff != "" {
			t.Errorf("%s Error %v: alerts (-want +got):\n%s", tc.lang, tc.err, diff)
		}
	}
}

// TestFieldErrorsAreTiedToTheirInputs checks the "input" partial's wiring on a form with
// errors: the message sits next to its field, the field is aria-invalid and names the
// message (and the hint) in aria-describedby, and what the user typed is kept.
func TestFieldErrorsAreTiedToTheirInputs(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	type field struct {
		Value, Invalid, DescribedBy, Error string
		Autofocus                          bool
	}
	tests := []struct {
		golden string
		want   map[string]field
	}{
		{"de/login_field_errors.html", map[string]field{
			FieldUsername: {"@bob:elsewhere.example", "true", "username-hint username-error",
				"Hier können sich nur Konten von example.com anmelden.", true},
			FieldPassword: {"", "true", "password-error", "Geben Sie Ihr Passwort ein.", false},
		}},
		{"en/login_error.html", map[string]field{
			FieldUsername: {"alice", "true", "username-hint page-alert", "", true},
			FieldPassword: {"", "true", "page-alert", "", false},
		}},
		{"en/login.html", map[string]field{
			FieldUsername: {"", "", "username-hint", "", true},
			FieldPassword: {"", "", "", "", false},
		}},
	}
	for _, tc := range tests {
		var page Page
		for _, c := range localizedCases() {
			if c.golden == tc.golden {
				page = c.page
			}
		}
		doc := parsePage(t, render(t, r, http.StatusOK, page).Body.Bytes())
		byID := map[string]*html.Node{}
		for d := range doc.Descendants() {
			if id, ok := attr(d, "id"); ok {
				byID[id] = d
			}
		}
		got := map[string]field{}
		for _, name := range []string{FieldUsername, FieldPassword} {
			in := byID[name]
			if in == nil {
				t.Fatalf("%s: no element with id %q", tc.golden, name)
			}
			var f field
			f.Value, _ = attr(in, "value")
			f.Invalid, _ = attr(in, "aria-invalid")
			f.DescribedBy, _ = attr(in, "aria-describedby")
			_, f.Autofocus = attr(in, "autofocus")
			if e := byID[name+"-error"]; e != nil {
				f.Error = e.FirstChild.Data
				if e.Parent != in.Parent {
					t.Errorf("%s: the error of %s is not next to the field", tc.golden, name)
				}
			}
			got[name] = f
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tc.golden, diff)
		}
	}
}

// TestPasswordInputNeverShowsItsValue renders the "input" partial directly with a password
// that a careless handler passed in.
func TestPasswordInputNeverShowsItsValue(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	var buf bytes.Buffer
	in := Input{Name: FieldPassword, Type: "password", Label: "LoginPassword", Value: "hunter2"}
	if err := r.sets["en"].pages["login.html"].ExecuteTemplate(&buf, "input", in); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("the password field shows its value:\n%s", buf.String())
	}
	in.Type = "text"
	buf.Reset()
	if err := r.sets["en"].pages["login.html"].ExecuteTemplate(&buf, "input", in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `value="hunter2"`) {
		t.Errorf("a text field lost its value:\n%s", buf.String())
	}
}

func countAttr(doc *html.Node, key string) int {
	n := 0
	for d := range doc.Descendants() {
		if _, ok := attr(d, key); ok && d.Type == html.ElementNode {
			n++
		}
	}
	return n
}
