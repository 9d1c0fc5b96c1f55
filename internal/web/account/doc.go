// Package account serves the pages people use: sign-in, sign-out and the consent page of the
// authorization code flow (account management and sign-up come later). Pages are
// server-rendered (internal/template), work without JavaScript, and are written in the
// language the browser asks for (Accept-Language, matched by internal/i18n); handlers pass
// message ids, never English text.
//
// Every form is protected against cross-site request forgery twice: by
// http.CrossOriginProtection (Sec-Fetch-Site and Origin) and by a per-browser CSRF token.
// Either failure gets the same 403 page (Pages.Forbidden); a rate-limited request gets the 429
// page with Retry-After (Pages.TooManyRequests). A form with bad input comes back with a
// message next to each wrong field and what the user typed, except the password.
package account
