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
	for _, tc := range pageCases() {
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
				stylesheet = stylesheet || rel == "stylesheet" && href == layoutOf(tc.page).BasePath+r.StylesheetPath()
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

// TestLoginErrorIsAnAlert checks that the error is announced (role="alert") when set and
// that no alert is shown when not.
func TestLoginErrorIsAnAlert(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	for _, errText := range []string{"", "Wrong username or password"} {
		doc := parsePage(t, render(t, r, http.StatusOK, LoginPage{Action: "/login", Error: errText}).Body.Bytes())
		var alerts []string
		for d := range doc.Descendants() {
			if role, _ := attr(d, "role"); role == "alert" {
				alerts = append(alerts, d.FirstChild.Data)
			}
		}
		var want []string
		if errText != "" {
			want = []string{errText}
		}
		if diff := cmp.Diff(want, alerts); diff != "" {
			t.Errorf("Error %q: alerts (-want +got):\n%s", errText, diff)
		}
	}
}

// layoutOf returns the Layout a page case renders with.
func layoutOf(p Page) Layout {
	switch p := p.(type) {
	case LoginPage:
		return p.Layout
	case ConsentPage:
		return p.Layout
	case ErrorPage:
		return p.Layout
	case SignedInPage:
		return p.Layout
	}
	return Layout{}
}
