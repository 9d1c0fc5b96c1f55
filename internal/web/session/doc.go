// Package session owns the browser side of signing in to mxauth's own pages: the session
// cookie (random, HttpOnly, SameSite=Lax, Secure and __Host- prefixed on https), its
// server-side record (only the SHA-256 of the cookie is stored), and CSRF tokens for forms.
// The protocol endpoints (web/oauth) and the pages (web/account) both use it.
package session
