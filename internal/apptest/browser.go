package apptest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/ulid"
)

// Browser is a cookie-keeping HTTP client that fills mxauth's forms as a person would. It
// never follows a redirect, so each step sees exactly what the server answered.
type Browser struct {
	t      testing.TB
	Client *http.Client
}

// NewBrowser returns a Browser with an empty cookie jar.
func (s *Server) NewBrowser(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, Client: &http.Client{
		Jar:           jar,
		Transport:     s.Client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Page is one response: status, Location and body.
type Page struct {
	Status   int
	Location string
	Body     string
	URL      *url.URL
}

// Get fetches u.
func (b *Browser) Get(u string) Page {
	b.t.Helper()
	resp, err := b.Client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	return b.page(resp)
}

// Follow fetches the Location of p, resolved against p's URL.
func (b *Browser) Follow(p Page) Page {
	b.t.Helper()
	if p.Location == "" {
		b.t.Fatalf("no redirect to follow: %d\n%s", p.Status, p.Body)
	}
	loc, err := p.URL.Parse(p.Location)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.Get(loc.String())
}

// Submit fills a form with fields (on top of its hidden inputs) and posts it. button, when
// set, is the name=value of the submit button pressed, and picks the form holding that
// button; otherwise the first form is used.
func (b *Browser) Submit(p Page, fields map[string]string, button string) Page {
	b.t.Helper()
	action, values := parseForm(b.t, p.Body, button)
	for k, v := range fields {
		values.Set(k, v)
	}
	if name, value, ok := strings.Cut(button, "="); ok {
		values.Set(name, value)
	}
	target, err := p.URL.Parse(action)
	if err != nil {
		b.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// A real browser says the form came from the same site (Fetch Metadata).
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", target.Scheme+"://"+target.Host)
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", target, err)
	}
	return b.page(resp)
}

func (b *Browser) page(resp *http.Response) Page {
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), URL: resp.Request.URL}
}

// parseForm returns the action and hidden inputs of the form holding the button
// "name=value", or of the first form when button is empty.
func parseForm(t testing.TB, body, button string) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	wantName, wantValue, _ := strings.Cut(button, "=")
	var forms []*html.Node
	var collect func(n *html.Node)
	collect = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" {
			forms = append(forms, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			collect(c)
		}
	}
	collect(doc)
	for _, f := range forms {
		values, hasButton := url.Values{}, false
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				switch {
				case n.Data == "input" && attr(n, "type") == "hidden":
					values.Set(attr(n, "name"), attr(n, "value"))
				case n.Data == "button" && attr(n, "name") == wantName && attr(n, "value") == wantValue:
					hasButton = true
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(f)
		if button == "" || hasButton {
			return attr(f, "action"), values
		}
	}
	t.Fatalf("no form with button %q on the page:\n%s", button, body)
	return "", nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// CreateUser adds a user with a password, as `mxauth user add` does.
func (s *Server) CreateUser(t testing.TB, username, password string) model.User {
	t.Helper()
	h, err := app.NewPasswordHasher(s.Config.Passwords)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(context.Background(), password)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	id, _ := ulid.New(now, rand.Reader)
	u := model.User{ID: id, Username: username, PasswordHash: hash, CreatedAt: now}
	if err := s.App.Store().Users().Create(context.Background(), u); err != nil {
		t.Fatalf("creating %s: %v", username, err)
	}
	return u
}

// String helps failure messages.
func (p Page) String() string {
	return fmt.Sprintf("%d Location=%q\n%.2000s", p.Status, p.Location, p.Body)
}
