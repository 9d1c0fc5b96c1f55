package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/template"
)

// submission is one form POST that reached the test site.
type submission struct {
	Path string
	Form url.Values
}

// pageSite serves the pages of internal/template the way mxauth's handlers will, and a
// "client" on another origin that receives the consent redirect.
type pageSite struct {
	server      *httptest.Server
	client      *httptest.Server
	submissions chan submission
}

const (
	testCSRFToken = "kVh3c9Zr2QpLx0aTfW8nB1yE"
	testNext      = "/authorize/01JDX4T3Q8W7M2B6Z9K5R1N0CE"
	testRequestID = "01JDX4V0C7H3N6Q2P8S5T1W9YZ"
)

// testLogo is the client logo, served by the site itself (img-src 'self').
const testLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0dbd8b"/><circle cx="32" cy="32" r="14" fill="#fff"/></svg>`

func newPageSite(t *testing.T) *pageSite {
	t.Helper()
	renderer, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	s := &pageSite{submissions: make(chan submission, 16)}
	record := func(r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("parsing the form posted to %s: %v", r.URL.Path, err)
		}
		s.submissions <- submission{Path: r.URL.Path, Form: r.PostForm}
	}
	render := func(w http.ResponseWriter, status int, page template.Page) {
		if err := renderer.Render(w, status, page); err != nil {
			t.Errorf("rendering %T: %v", page, err)
		}
	}
	layout := template.Layout{Lang: "en", ServerName: "example.com"}
	consent := func() template.ConsentPage {
		return template.ConsentPage{
			Layout:    layout,
			Action:    "/consent",
			CSRFToken: testCSRFToken,
			Client: template.ClientView{
				Name: "Element", URI: "https://element.io", LogoURI: s.server.URL + "/logo.svg",
				TOSURI: "https://element.io/terms", PolicyURI: "https://element.io/privacy",
			},
			Username:     "@alice:example.com",
			DeviceID:     "QXKZJMBWVA",
			Permissions:  []i18n.Message{{ID: "ScopeMatrixAPI"}, {ID: "ScopeMatrixDevice"}},
			LogoutAction: "/logout",
		}
	}

	s.client = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>client callback</title><p>%s</p>", r.URL.Query().Get("code"))
	}))
	t.Cleanup(s.client.Close)

	mux := http.NewServeMux()
	mux.Handle("GET "+template.AssetPrefix, renderer.AssetHandler())
	// Chromium asks for a favicon; answer so that its 404 does not land in the browser log.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /logo.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, testLogo)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusOK, template.LoginPage{
			Layout: layout, Action: "/login", CSRFToken: testCSRFToken, Next: testNext, ClientName: "Element",
		})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		http.Redirect(w, r, "/consent", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusOK, consent())
	})
	mux.HandleFunc("GET /consent-long", func(w http.ResponseWriter, r *http.Request) {
		page := consent()
		page.Client.Name = strings.Repeat("Extraordinarily Long Application Name ", 4) + strings.Repeat("x", 90)
		page.Client.URI = "https://" + strings.Repeat("subdomain.", 8) + "example.net/"
		page.Username = "@" + strings.Repeat("a", 120) + ":example.com"
		page.DeviceID = strings.Repeat("D", 60)
		render(w, http.StatusOK, page)
	})
	// As the real handler does, the decision is answered with a 303 to the client's redirect
	// URI on another origin. A CSP form-action directive would make Chromium block it.
	mux.HandleFunc("POST /consent", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		http.Redirect(w, r, s.client.URL+"/callback?code="+url.QueryEscape(r.PostFormValue(template.FieldAction)), http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /error", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusNotFound, template.ErrorPage{
			Layout: layout, Heading: i18n.Message{ID: "GrantExpiredTitle"}, Explanation: i18n.Message{ID: "GrantExpiredMessage"},
			RequestID: testRequestID, Status: http.StatusNotFound,
		})
	})
	// A page that breaks the pages' CSP on purpose (an inline style), to prove that the test
	// would see a violation.
	mux.HandleFunc("GET /violation", func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		render(rec, http.StatusOK, template.ErrorPage{Layout: layout})
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		fmt.Fprint(w, `<!doctype html><title>violation</title><style>body{color:red}</style><p>inline style`)
	})
	// A page whose script changes its title, to prove that DisableJavaScript works.
	mux.HandleFunc("GET /script-probe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>script did not run</title><script>document.title = "script ran"</script>`)
	})
	s.server = httptest.NewServer(mux)
	t.Cleanup(s.server.Close)
	return s
}

// url returns the site's address of path.
func (s *pageSite) url(path string) string { return s.server.URL + path }

// nextSubmission returns the next POST the site received. The browser has waited for the
// response before the action returned, so a submission that happened is already there.
func (s *pageSite) nextSubmission(t *testing.T) submission {
	t.Helper()
	select {
	case sub := <-s.submissions:
		return sub
	default:
		t.Fatal("no form submission reached the server")
		return submission{}
	}
}

// forgetSubmissions drops submissions that an earlier, failed step left behind.
func (s *pageSite) forgetSubmissions() {
	for {
		select {
		case <-s.submissions:
		default:
			return
		}
	}
}
