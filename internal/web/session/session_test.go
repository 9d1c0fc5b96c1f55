package session

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/store/sqlite"
	"github.com/mxauth/mxauth/internal/token"
)

// testStart is a whole second: cookie expiry dates are sent with second precision.
var testStart = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

const testTTL = 7 * 24 * time.Hour

var testCSRFKey = []byte("0123456789abcdef0123456789abcdef")

// env is a Manager on a real, migrated in-memory SQLite store with one user who may sign in.
type env struct {
	m     *Manager
	clock *clock.Fake
	store *sqlite.Store
	user  model.User
}

func newEnv(t *testing.T, secure bool) *env {
	t.Helper()
	clk := clock.NewFake(testStart)
	st, err := sqlite.Open(t.Context(), sqlite.Options{Path: sqlite.MemoryPath, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	u := model.User{ID: "01JDX4T3Q8W7M2B6Z9K5R1N0CE", Username: "alice", CreatedAt: testStart.Add(-time.Hour)}
	if err := st.Users().Create(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	m := New(Options{
		Sessions: st.BrowserSessions(), Users: st.Users(), Secure: secure, TTL: testTTL,
		Clock: clk, Rand: rand.Reader, CSRFKey: testCSRFKey,
	})
	return &env{m: m, clock: clk, store: st, user: u}
}

// start signs the env's user in and returns the session and its cookie.
func (e *env) start(t *testing.T) (model.BrowserSession, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	bs, err := e.m.Start(t.Context(), rec, httptest.NewRequest(http.MethodPost, "/login", nil), e.user)
	if err != nil {
		t.Fatal(err)
	}
	return bs, onlyCookie(t, rec)
}

// onlyCookie is the one cookie a response sets.
func onlyCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("response sets %d cookies, want 1: %v", len(cookies), rec.Header()["Set-Cookie"])
	}
	return cookies[0]
}

// requestWithCookie is a request whose Cookie header is exactly name=value, as a browser
// would send it (not through AddCookie, which would clean up a garbage value).
func requestWithCookie(method, name, value string) *http.Request {
	r := httptest.NewRequest(method, "/", nil)
	r.Header.Set("Cookie", name+"="+value)
	return r
}

// cookieAttrs are the attributes of a Set-Cookie that matter for security.
type cookieAttrs struct {
	Name     string
	Path     string
	Domain   string
	Expires  time.Time
	Secure   bool
	HttpOnly bool
	SameSite http.SameSite
}

func attrsOf(c *http.Cookie) cookieAttrs {
	return cookieAttrs{
		Name: c.Name, Path: c.Path, Domain: c.Domain, Expires: c.Expires.UTC(),
		Secure: c.Secure, HttpOnly: c.HttpOnly, SameSite: c.SameSite,
	}
}

// TestCookieAttributes checks every cookie the package sets, for an http and an https public
// URL. On https the names carry the __Host- prefix, which browsers only accept with Secure,
// Path=/ and no Domain (RFC 6265bis §4.1.3.2); SameSite=Lax keeps the cookies off cross-site
// POSTs, HttpOnly keeps them from scripts.
func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	setters := []struct {
		name        string
		set         func(t *testing.T, e *env, rec *httptest.ResponseRecorder)
		cookieName  string
		wantExpires time.Time
	}{
		{
			name: "session",
			set: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				if _, err := e.m.Start(t.Context(), rec, httptest.NewRequest(http.MethodPost, "/login", nil), e.user); err != nil {
					t.Fatal(err)
				}
			},
			cookieName: "mxauth-session", wantExpires: testStart.Add(testTTL),
		},
		{
			name: "session cleared",
			set: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				if err := e.m.End(rec, httptest.NewRequest(http.MethodPost, "/logout", nil)); err != nil {
					t.Fatal(err)
				}
			},
			cookieName: "mxauth-session", wantExpires: time.Unix(0, 0).UTC(),
		},
		{
			name: "csrf",
			set: func(t *testing.T, e *env, rec *httptest.ResponseRecorder) {
				if _, err := e.m.CSRFToken(rec, httptest.NewRequest(http.MethodGet, "/login", nil)); err != nil {
					t.Fatal(err)
				}
			},
			cookieName: "mxauth-csrf", wantExpires: testStart.Add(24 * time.Hour),
		},
	}
	schemes := []struct {
		name   string
		secure bool
		prefix string
	}{
		{"http", false, ""},
		{"https", true, "__Host-"},
	}
	for _, scheme := range schemes {
		for _, setter := range setters {
			t.Run(scheme.name+"/"+setter.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, scheme.secure)
				rec := httptest.NewRecorder()
				setter.set(t, e, rec)
				got := attrsOf(onlyCookie(t, rec))
				want := cookieAttrs{
					Name: scheme.prefix + setter.cookieName, Path: "/", Expires: setter.wantExpires,
					Secure: scheme.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("cookie attributes (-want +got):\n%s", diff)
				}
				// The rule browsers enforce for the prefix, stated on its own.
				if strings.HasPrefix(got.Name, "__Host-") && (!got.Secure || got.Path != "/" || got.Domain != "") {
					t.Errorf("%s cookie breaks the __Host- rules: %+v", got.Name, got)
				}
			})
		}
	}
}

// TestStartLookupEnd signs in, finds the session from its cookie, and signs out.
func TestStartLookupEnd(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[secure], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, secure)
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
			rec := httptest.NewRecorder()
			bs, err := e.m.Start(t.Context(), rec, r, e.user)
			if err != nil {
				t.Fatal(err)
			}
			cookie := onlyCookie(t, rec)

			// Only the SHA-256 of the cookie is stored.
			stored, err := e.store.BrowserSessions().GetByTokenHash(t.Context(), token.Hash(cookie.Value))
			if err != nil {
				t.Fatalf("no stored session for the cookie: %v", err)
			}
			want := model.BrowserSession{
				ID: bs.ID, UserID: e.user.ID, TokenHash: token.Hash(cookie.Value),
				CreatedAt: testStart, AuthenticatedAt: testStart, ExpiresAt: testStart.Add(testTTL),
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64)", IP: stored.IP,
			}
			if diff := cmp.Diff(want, stored); diff != "" {
				t.Errorf("stored session (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(stored, bs); diff != "" {
				t.Errorf("Start returned (-stored +returned):\n%s", diff)
			}
			if len(cookie.Value) < 43 {
				t.Errorf("cookie value %q is shorter than 256 bits in base64", cookie.Value)
			}

			// Just before expiry the session is still there.
			e.clock.Advance(testTTL - time.Second)
			cur, err := e.m.Lookup(requestWithCookie(http.MethodGet, cookie.Name, cookie.Value))
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if cur.Session.ID != bs.ID || cur.User.ID != e.user.ID || cur.User.Username != "alice" {
				t.Errorf("Lookup = session %s user %s (%s), want %s, %s", cur.Session.ID, cur.User.ID, cur.User.Username, bs.ID, e.user.ID)
			}

			rec = httptest.NewRecorder()
			if err := e.m.End(rec, requestWithCookie(http.MethodPost, cookie.Name, cookie.Value)); err != nil {
				t.Fatalf("End: %v", err)
			}
			if cleared := onlyCookie(t, rec); cleared.Name != cookie.Name || cleared.Value != "" || !cleared.Expires.Before(testStart) {
				t.Errorf("End set %+v, want %s cleared", cleared, cookie.Name)
			}
			ended, err := e.store.BrowserSessions().GetByTokenHash(t.Context(), token.Hash(cookie.Value))
			if err != nil {
				t.Fatal(err)
			}
			if !ended.EndedAt.Equal(e.clock.Now()) {
				t.Errorf("EndedAt = %v, want %v", ended.EndedAt, e.clock.Now())
			}
			if _, err := e.m.Lookup(requestWithCookie(http.MethodGet, cookie.Name, cookie.Value)); !errors.Is(err, ErrNoSession) {
				t.Errorf("Lookup after End = %v, want ErrNoSession", err)
			}
		})
	}
}

// TestLookupNoSession checks that every cookie that is not an active session of a user who may
// sign in reads as "not signed in", not as an error.
func TestLookupNoSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secure bool
		// cookie returns the request's Cookie header value; ok is false to send no Cookie.
		cookie func(t *testing.T, e *env) (header string, ok bool)
	}{
		{"no cookie", false, func(t *testing.T, e *env) (string, bool) { return "", false }},
		{"empty value", false, func(t *testing.T, e *env) (string, bool) { return "mxauth-session=", true }},
		{"unknown value", false, func(t *testing.T, e *env) (string, bool) {
			e.start(t)
			return "mxauth-session=" + strings.Repeat("A", 43), true
		}},
		{"garbage", false, func(t *testing.T, e *env) (string, bool) { return `mxauth-session="\x00<>;;,`, true }},
		{"invalid UTF-8", false, func(t *testing.T, e *env) (string, bool) { return "mxauth-session=\xff\xfe", true }},
		{"very long", false, func(t *testing.T, e *env) (string, bool) {
			return "mxauth-session=" + strings.Repeat("x", 1<<16), true
		}},
		{"expired", false, func(t *testing.T, e *env) (string, bool) {
			_, c := e.start(t)
			e.clock.Advance(testTTL)
			return c.Name + "=" + c.Value, true
		}},
		{"expired long ago", true, func(t *testing.T, e *env) (string, bool) {
			_, c := e.start(t)
			e.clock.Advance(10 * testTTL)
			return c.Name + "=" + c.Value, true
		}},
		{"ended", false, func(t *testing.T, e *env) (string, bool) {
			bs, c := e.start(t)
			if err := e.store.BrowserSessions().End(t.Context(), bs.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			return c.Name + "=" + c.Value, true
		}},
		{"user locked", false, func(t *testing.T, e *env) (string, bool) {
			_, c := e.start(t)
			if err := e.store.Users().SetLocked(t.Context(), e.user.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			return c.Name + "=" + c.Value, true
		}},
		{"user deactivated", false, func(t *testing.T, e *env) (string, bool) {
			_, c := e.start(t)
			if _, err := e.store.Users().Deactivate(t.Context(), e.user.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			return c.Name + "=" + c.Value, true
		}},
		// On https only the __Host- cookie counts: a cookie without the prefix may have been
		// planted by a sibling subdomain or over plain http.
		{"https without prefix", true, func(t *testing.T, e *env) (string, bool) {
			_, c := e.start(t)
			return strings.TrimPrefix(c.Name, "__Host-") + "=" + c.Value, true
		}},
		{"http with prefix", false, func(t *testing.T, e *env) (string, bool) {
			_, c := e.start(t)
			return "__Host-" + c.Name + "=" + c.Value, true
		}},
		{"csrf cookie as session", false, func(t *testing.T, e *env) (string, bool) {
			_, c := e.start(t)
			return "mxauth-csrf=" + c.Value, true
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.secure)
			r := httptest.NewRequest(http.MethodGet, "/account", nil)
			if header, ok := tc.cookie(t, e); ok {
				r.Header.Set("Cookie", header)
			}
			cur, err := e.m.Lookup(r)
			if !errors.Is(err, ErrNoSession) {
				t.Errorf("Lookup = %+v, %v; want ErrNoSession", cur, err)
			}
			// Signing out with such a cookie is harmless: it clears the cookie and succeeds.
			rec := httptest.NewRecorder()
			if err := e.m.End(rec, r); err != nil {
				t.Errorf("End = %v", err)
			}
			if c := onlyCookie(t, rec); c.Value != "" || !c.Expires.Before(testStart) {
				t.Errorf("End set %+v, want the cookie cleared", c)
			}
		})
	}
}

// TestStartRandomnessFailure checks that a failing random source stores no session and sets
// no cookie.
func TestStartRandomnessFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.m.Rand = iotest.ErrReader(errors.New("entropy exhausted"))
	rec := httptest.NewRecorder()
	if _, err := e.m.Start(t.Context(), rec, httptest.NewRequest(http.MethodPost, "/login", nil), e.user); err == nil {
		t.Fatal("Start succeeded without randomness")
	}
	if got := rec.Header()["Set-Cookie"]; len(got) != 0 {
		t.Errorf("Start set cookies %q after failing", got)
	}
	sessions, err := e.store.BrowserSessions().ListActiveByUser(t.Context(), e.user.ID, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 0 {
		t.Errorf("Start stored %d sessions after failing", len(sessions))
	}
	if _, err := e.m.CSRFToken(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil)); err == nil {
		t.Error("CSRFToken succeeded without randomness")
	}
}

// TestSessionsAreDistinct checks that two sign-ins get different cookies and sessions, and
// that ending one leaves the other.
func TestSessionsAreDistinct(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	a, ca := e.start(t)
	b, cb := e.start(t)
	if a.ID == b.ID || ca.Value == cb.Value {
		t.Fatalf("two sign-ins share an ID or cookie: %s/%s, %s/%s", a.ID, b.ID, ca.Value, cb.Value)
	}
	if err := e.m.End(httptest.NewRecorder(), requestWithCookie(http.MethodPost, ca.Name, ca.Value)); err != nil {
		t.Fatal(err)
	}
	cur, err := e.m.Lookup(requestWithCookie(http.MethodGet, cb.Name, cb.Value))
	if err != nil || cur.Session.ID != b.ID {
		t.Errorf("Lookup of the other session = %s, %v; want %s", cur.Session.ID, err, b.ID)
	}
}

// TestStoreErrorsAreNotNoSession checks that a failing store is reported as such, not as
// "not signed in" (which would send the user to the sign-in page in a loop).
func TestStoreErrorsAreNotNoSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	_, c := e.start(t)
	e.store.Close()
	_, err := e.m.Lookup(requestWithCookie(http.MethodGet, c.Name, c.Value))
	if err == nil || errors.Is(err, ErrNoSession) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Lookup on a closed store = %v, want a store error", err)
	}
	if err := e.m.End(httptest.NewRecorder(), requestWithCookie(http.MethodPost, c.Name, c.Value)); err == nil {
		t.Error("End on a closed store succeeded")
	}
}

// TestTruncate checks that the stored User-Agent is valid UTF-8 without NUL and at most n bytes,
// cut on a character boundary.
func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Firefox", 512, "Firefox"},
		{"", 512, ""},
		{"abcdef", 3, "abc"},
		{"a\x00b", 512, "ab"},
		{"a\xffb", 512, "a\uFFFDb"},
		{"ab€", 4, "ab"}, // € is 3 bytes: cutting it would leave invalid UTF-8
		{"ab€", 5, "ab€"},
		{strings.Repeat("ü", 300), 512, strings.Repeat("ü", 256)},
		{strings.Repeat("\xff", 300), 512, strings.Repeat("\uFFFD", 1)}, // a run of invalid bytes is one replacement
	}
	for _, tc := range tests {
		got := truncate(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if len(got) > tc.n || !utf8.ValidString(got) || strings.Contains(got, "\x00") {
			t.Errorf("truncate(%q, %d) = %q is not storable", tc.in, tc.n, got)
		}
	}
}
