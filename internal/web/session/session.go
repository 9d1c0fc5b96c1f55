package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
	"github.com/mxauth/mxauth/internal/web"
)

// Options configure a Manager.
type Options struct {
	Sessions store.BrowserSessionStore
	Users    store.UserStore
	// Secure is true when the public URL is https: cookies are then Secure and use the
	// __Host- prefix (RFC 6265bis §4.1.3.2), which pins them to this host and path "/".
	Secure bool
	TTL    time.Duration
	Clock  clock.Clock
	Rand   io.Reader
	// CSRFKey authenticates CSRF tokens (derived from the server secret).
	CSRFKey []byte
}

// Manager creates, finds and ends browser sessions.
type Manager struct {
	Options
	cookieName string
	csrfCookie string
}

// New returns a Manager.
func New(o Options) *Manager {
	m := &Manager{Options: o, cookieName: "mxauth-session", csrfCookie: "mxauth-csrf"}
	if o.Secure {
		m.cookieName = "__Host-" + m.cookieName
		m.csrfCookie = "__Host-" + m.csrfCookie
	}
	return m
}

// Current is a signed-in user with their browser session.
type Current struct {
	Session model.BrowserSession
	User    model.User
}

// ErrNoSession means the request carries no active session of a user who may sign in.
var ErrNoSession = errors.New("session: not signed in")

// Lookup returns the request's active session and its user. An unknown, ended or expired
// cookie, or a locked or deactivated user, is ErrNoSession; a store failure is returned as is.
func (m *Manager) Lookup(r *http.Request) (Current, error) {
	c, err := r.Cookie(m.cookieName)
	if err != nil || c.Value == "" {
		return Current{}, ErrNoSession
	}
	ctx := r.Context()
	bs, err := m.Sessions.GetByTokenHash(ctx, token.Hash(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return Current{}, ErrNoSession
	}
	if err != nil {
		return Current{}, err
	}
	if !bs.Active(m.Clock.Now()) {
		return Current{}, ErrNoSession
	}
	u, err := m.Users.Get(ctx, bs.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return Current{}, ErrNoSession
	}
	if err != nil {
		return Current{}, err
	}
	if !u.CanSignIn() {
		return Current{}, ErrNoSession
	}
	return Current{Session: bs, User: u}, nil
}

// Start signs u in: it stores a new browser session and sets its cookie on w.
func (m *Manager) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, u model.User) (model.BrowserSession, error) {
	now := m.Clock.Now()
	id, err := ulid.New(now, m.Rand)
	if err != nil {
		return model.BrowserSession{}, err
	}
	value, err := randomValue(m.Rand)
	if err != nil {
		return model.BrowserSession{}, err
	}
	bs := model.BrowserSession{
		ID: id, UserID: u.ID, TokenHash: token.Hash(value),
		CreatedAt: now, AuthenticatedAt: now, ExpiresAt: now.Add(m.TTL),
		UserAgent: truncate(r.UserAgent(), 512), IP: web.ClientIP(r.Context()).String(),
	}
	if err := m.Sessions.Create(ctx, bs); err != nil {
		return model.BrowserSession{}, err
	}
	http.SetCookie(w, m.cookie(m.cookieName, value, bs.ExpiresAt))
	return bs, nil
}

// End signs the request's session out (if any) and clears the cookie.
func (m *Manager) End(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, m.cookie(m.cookieName, "", time.Unix(0, 0)))
	c, err := r.Cookie(m.cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	bs, err := m.Sessions.GetByTokenHash(r.Context(), token.Hash(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.Sessions.End(r.Context(), bs.ID, m.Clock.Now())
}

func (m *Manager) cookie(name, value string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", Expires: expires,
		HttpOnly: true, Secure: m.Secure, SameSite: http.SameSiteLaxMode,
	}
}

func randomValue(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [32]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// truncate makes a header value storable: valid UTF-8, no NUL, at most n bytes.
func truncate(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	for len(s) > n {
		s = strings.ToValidUTF8(s[:n], "")
	}
	return s
}
