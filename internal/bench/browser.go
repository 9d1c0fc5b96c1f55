package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/html"
)

// browser is the setup's user agent: a cookie jar (the browser session and the CSRF cookie)
// and no redirect following, so each step sees the server's answer.
type browser struct {
	base   *url.URL
	client *http.Client
}

func newBrowser(target Target) *browser {
	jar, _ := cookiejar.New(nil) // never fails without options
	transport := target.Client.Transport
	if t, ok := transport.(*http.Transport); ok {
		// The minting workers share one browser; keep a connection per worker alive
		// instead of dialling (and leaving a TIME_WAIT socket) for most requests.
		t = t.Clone()
		t.MaxIdleConnsPerHost = mintWorkers
		transport = t
	}
	return &browser{base: target.BaseURL, client: &http.Client{
		Transport: transport, Jar: jar, Timeout: target.Client.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// answer is what the setup reads of one response.
type answer struct {
	status   int
	location string
	body     []byte
}

// redirect returns the Location of a 303, resolved against the URL that answered.
func (a answer) redirect(from *url.URL) (*url.URL, error) {
	if a.status != http.StatusSeeOther || a.location == "" {
		return nil, fmt.Errorf("%s: status %d, want a 303 redirect: %.300s", from.Path, a.status, a.body)
	}
	return from.Parse(a.location)
}

// registerClient registers a public native client (RFC 7591; RFC 8252 for the loopback
// redirect) that signs its ID tokens with ES256, and returns its client_id.
func (b *browser) registerClient(ctx context.Context) (string, error) {
	const body = `{"client_name":"mxauth-bench exchange","client_uri":"https://bench.example.org/",` +
		`"redirect_uris":["` + exchangeRedirectURI + `"],"application_type":"native",` +
		`"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],` +
		`"response_types":["code"],"id_token_signed_response_alg":"ES256"}`
	a, err := b.send(ctx, http.MethodPost, b.base.JoinPath(RegistrationPath), "application/json", body)
	if err != nil {
		return "", fmt.Errorf("registering the client: %w", err)
	}
	var out struct {
		ClientID string `json:"client_id"`
	}
	if a.status != http.StatusCreated || json.Unmarshal(a.body, &out) != nil || out.ClientID == "" {
		return "", fmt.Errorf("registering the client: status %d: %.300s", a.status, a.body)
	}
	return out.ClientID, nil
}

// signIn fills the sign-in form once; the browser session cookie it earns carries every code.
func (b *browser) signIn(ctx context.Context, username, password string) error {
	page := b.base.JoinPath(LoginPath)
	a, err := b.send(ctx, http.MethodGet, page, "", "")
	if err == nil && a.status != http.StatusOK {
		err = fmt.Errorf("status %d", a.status)
	}
	if err != nil {
		return fmt.Errorf("opening the sign-in page: %w", err)
	}
	form, ok := findForm(a.body, func(f htmlForm) bool { return f.inputs["password"] })
	if !ok {
		return errors.New("the sign-in page has no form with a password field")
	}
	form.values.Set("username", username)
	form.values.Set("password", password)
	a, err = b.submit(ctx, page, form)
	switch {
	case err != nil:
		return fmt.Errorf("signing in: %w", err)
	case a.status == http.StatusUnauthorized:
		return fmt.Errorf("signing in as %q: wrong username or password (check -user and -password)", username)
	case a.status != http.StatusSeeOther:
		return fmt.Errorf("signing in as %q: status %d: %.300s", username, a.status, a.body)
	}
	return nil
}

// mintAll fills codes with mintWorkers concurrent logins over the one browser session; the
// first failure cancels the others.
func (b *browser) mintAll(ctx context.Context, clientID string, codes []mintedCode) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(mintWorkers, len(codes)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(codes)) && ctx.Err() == nil; i = next.Add(1) - 1 {
				if err := b.mint(ctx, clientID, int(i), &codes[i]); err != nil {
					cancel(fmt.Errorf("minting code %d of %d: %w", i+1, len(codes), err))
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// mint runs one authorization request to its code: GET /authorize (303 to the consent page),
// GET the consent page, POST "allow" (303 to the redirect URI with code and state, RFC 6749
// §4.1.2), and records the code with the token request that redeems it.
func (b *browser) mint(ctx context.Context, clientID string, i int, c *mintedCode) error {
	challenge := sha256.Sum256([]byte(c.verifier)) // RFC 7636 §4.2, S256
	state := strconv.Itoa(i)
	authorize := b.base.JoinPath(AuthorizePath)
	authorize.RawQuery = url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {exchangeRedirectURI},
		"scope":          {"openid urn:matrix:client:api:* urn:matrix:client:device:" + c.deviceID},
		"state":          {state},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])}, "code_challenge_method": {"S256"},
	}.Encode()
	a, err := b.send(ctx, http.MethodGet, authorize, "", "")
	if err != nil {
		return err
	}
	consent, err := a.redirect(authorize)
	if err != nil {
		return err
	}
	if !strings.Contains(consent.Path, "/consent/") {
		return fmt.Errorf("/authorize sent the browser to %s, not to a consent page", consent.Redacted())
	}
	if a, err = b.send(ctx, http.MethodGet, consent, "", ""); err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return fmt.Errorf("consent page: status %d (Location %q; a sign-in page means the browser session ended): %.300s",
			a.status, a.location, a.body)
	}
	form, ok := findForm(a.body, func(f htmlForm) bool { return f.buttons["action=allow"] })
	if !ok {
		return errors.New("the consent page has no form with an Allow button")
	}
	form.values.Set("action", "allow")
	if a, err = b.submit(ctx, consent, form); err != nil {
		return err
	}
	callback, err := a.redirect(consent)
	if err != nil {
		return err
	}
	q := callback.Query()
	switch {
	case q.Get("error") != "":
		return fmt.Errorf("the server refused the authorization: %s: %s", q.Get("error"), q.Get("error_description"))
	case callback.Scheme+"://"+callback.Host+callback.Path != exchangeRedirectURI || q.Get("state") != state || q.Get("code") == "":
		return fmt.Errorf("consent sent the browser to %s, want %s with a code and state %s", callback.Redacted(), exchangeRedirectURI, state)
	}
	c.body = []byte(url.Values{
		"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {q.Get("code")},
		"redirect_uri": {exchangeRedirectURI}, "code_verifier": {c.verifier},
	}.Encode())
	return nil
}

// submit posts form as a browser does from the page at page: to the form's action resolved
// against it, with the Fetch Metadata and Origin headers that http.CrossOriginProtection checks.
func (b *browser) submit(ctx context.Context, page *url.URL, form htmlForm) (answer, error) {
	action, err := page.Parse(form.action)
	if err != nil {
		return answer{}, fmt.Errorf("form action %q: %w", form.action, err)
	}
	return b.send(ctx, http.MethodPost, action, "application/x-www-form-urlencoded", form.values.Encode())
}

// send sends a request with an optional body and reads at most 1 MiB of the answer. A POST
// carries the headers a browser sends with a same-origin form.
func (b *browser) send(ctx context.Context, method string, u *url.URL, contentType, body string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	read, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{resp.StatusCode, resp.Header.Get("Location"), read}, err
}

// htmlForm is what setup needs of a form on a page: where it posts, its hidden inputs, the
// names of all its inputs, and its submit buttons as "name=value".
type htmlForm struct {
	action  string
	values  url.Values
	inputs  map[string]bool
	buttons map[string]bool
}

// findForm returns the first form on the page that match accepts. Forms do not nest in HTML
// (a <form> inside a form is ignored by browsers), so a flat scan of the tokens is enough.
func findForm(page []byte, match func(htmlForm) bool) (htmlForm, bool) {
	z := html.NewTokenizer(bytes.NewReader(page))
	var form *htmlForm
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return htmlForm{}, false // io.EOF or a page too broken to hold the form
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "form" && form != nil {
				if match(*form) {
					return *form, true
				}
				form = nil
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			switch {
			case string(name) == "form":
				form = &htmlForm{action: attrs["action"], values: url.Values{}, inputs: map[string]bool{}, buttons: map[string]bool{}}
			case form == nil:
			case string(name) == "input":
				form.inputs[attrs["name"]] = true
				if attrs["type"] == "hidden" {
					form.values.Set(attrs["name"], attrs["value"])
				}
			case string(name) == "button":
				form.buttons[attrs["name"]+"="+attrs["value"]] = true
			}
		}
	}
}
