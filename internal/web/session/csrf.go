package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"
)

// csrfCookieTTL keeps the CSRF cookie for as long as a form may sit open.
const csrfCookieTTL = 24 * time.Hour

// CSRFToken returns the token to put in a form's hidden "csrf" field: an HMAC of a random
// per-browser cookie (set here when missing). A cross-site page can neither read the cookie
// nor compute the HMAC, so it cannot forge a submission (the synchronizer pattern; it backs up
// the Sec-Fetch-Site/Origin check of http.CrossOriginProtection for old browsers).
func (m *Manager) CSRFToken(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(m.csrfCookie); err == nil && c.Value != "" {
		return m.csrfMAC(c.Value), nil
	}
	v, err := randomValue(m.Rand)
	if err != nil {
		return "", err
	}
	http.SetCookie(w, m.cookie(m.csrfCookie, v, m.Clock.Now().Add(csrfCookieTTL)))
	// Later code in this request (re-rendering a form) must see the same value.
	r.AddCookie(&http.Cookie{Name: m.csrfCookie, Value: v})
	return m.csrfMAC(v), nil
}

// CheckCSRF reports whether the form's "csrf" field matches the request's CSRF cookie. The
// form must have been parsed.
func (m *Manager) CheckCSRF(r *http.Request) bool {
	c, err := r.Cookie(m.csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	got := r.PostForm.Get("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(m.csrfMAC(c.Value)))
}

func (m *Manager) csrfMAC(v string) string {
	mac := hmac.New(sha256.New, m.CSRFKey)
	mac.Write([]byte("csrf\x00"))
	mac.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
