// Package template renders mxauth's server-side HTML pages: the login form, the consent
// screen and the error page. It owns the page markup, the shared layout and the one
// stylesheet; the HTTP handlers in web/account own the flows and fill the data structs.
//
// Pages are html/template files embedded in the binary and parsed once by New, so a broken
// template stops the server at start rather than on the first request. Each page has one typed
// data struct (LoginPage, ConsentPage, ErrorPage) embedding the shared Layout; Render writes
// it after rendering into a buffer, so a template error never sends half a page.
//
// Every rendered page carries the headers a login page needs (RFC 9700 §4.16 on clickjacking;
// DESIGN.md "Safety rules"): a Content-Security-Policy with frame-ancestors 'none',
// X-Frame-Options: DENY for older browsers, and Cache-Control: no-store because pages hold
// CSRF tokens and user names. The CSP deliberately has no form-action directive: the consent
// form's POST is answered with a 303 to the client's redirect URI, which may use a private
// scheme (RFC 8252 §7.1), and Chromium applies form-action to redirects after a submission.
//
// The pages work without JavaScript and none is served. The stylesheet is served by
// AssetHandler under a content-hashed path (StylesheetPath), so browsers may cache it for a
// year and a new release can never be styled by an old file.
//
// The form field names the handlers read are the Field* and Action* constants.
package template
