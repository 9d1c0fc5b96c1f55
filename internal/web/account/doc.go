// Package account serves the pages people use, as opposed to the protocol endpoints of
// web/oauth that clients call:
//
//   - sign-in and sign-out (Pages: login.go), and the consent page of the authorization code
//     flow (consent.go, scopes.go), where /authorize sends the browser;
//   - sign-up (Signup: register*.go), opened by prompt=create on /authorize or by the sign-in
//     page's "Create an account" link, both carrying the flow's next so the new account goes
//     on to the same consent page. account.registration chooses open, token (a registration
//     token from `mxauth registration-token add` is spent) or closed (the pages answer 404).
//     A new username passes the Matrix grammar, the operator's banned names, the local
//     accounts and the homeserver's own check; a live check (register.js, PathRegisterAvailable)
//     and a button that works without JavaScript say early whether it is free. A new
//     password must meet the password.Policy;
//   - account management (Management: account_*.go) at the account_management_uri, with the
//     MSC4191 deep-link actions (profile, devices list/view/delete, cross-signing reset,
//     deactivation): display name, devices, password, browser sessions, cross-signing reset
//     approval and deactivation. Signing a device out, changing the password and deactivating
//     ask for the password again (account_reauth.go, under the sign-in's per-address and
//     per-account limits); every change is passed on to the homeserver;
//   - the rate limits of these forms (RateLimits: ratelimit.go), per client address in
//     process and, for sign-in, per account (or per unknown username, so that a limit does
//     not tell which accounts exist) in the store so they hold across replicas.
//
// Pages are server-rendered (internal/template), work without JavaScript, and are written in
// the language the browser asks for (Accept-Language, matched by internal/i18n); handlers
// pass message ids, never English text.
//
// Every form is protected against cross-site request forgery twice: by
// http.CrossOriginProtection (Sec-Fetch-Site and Origin) and by a per-browser CSRF token.
// Either failure gets the same 403 page (Pages.Forbidden); a rate-limited request gets the 429
// page with Retry-After (Pages.TooManyRequests). A form with bad input comes back with a
// message next to each wrong field and what the user typed, except the password. Where to go
// after a form (next) is only ever a path on this server under its path prefix
// (Pages.safeNext), so no page is an open redirect.
package account
