// Package account serves the pages people use: sign-in, sign-out and the consent page of the
// authorization code flow (account management and sign-up come later). Pages are
// server-rendered (internal/template), work without JavaScript, and every form is protected
// against cross-site request forgery twice: by http.CrossOriginProtection (Sec-Fetch-Site and
// Origin) and by a per-browser CSRF token.
package account
