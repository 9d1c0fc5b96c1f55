// Package template renders mxauth's server-side HTML pages. It owns the page markup, the
// shared layout, the form building blocks, the one stylesheet and the one script; the HTTP
// handlers in web/account (and web/oauth for its error pages) own the flows and fill the data
// structs. The pages come in three families:
//
//   - sign-in, consent and errors (pages.go, errors.go): LoginPage, with a "Create an
//     account" link while sign-up is open (SignupURL); ConsentPage; SignedInPage for a person
//     who opens the sign-in page while signed in; ErrorPage, with ForbiddenPage for a failed
//     CSRF check (403) and TooManyRequestsPage for a rate limit (429);
//   - sign-up (register_pages.go): RegisterPage, the form with its username availability
//     check, and RegisteredPage, the welcome page after a sign-up outside an authorization
//     request;
//   - the account pages (account_pages.go), the MSC4191 account management: AccountHomePage,
//     AccountProfilePage, AccountDevicesPage and AccountDevicePage, AccountPasswordPage,
//     AccountBrowsersPage, AccountCrossSigningResetPage, AccountDeactivatePage and
//     AccountDeactivatedPage.
//
// Pages are html/template files embedded in the binary and parsed once by New, one set per
// language of internal/i18n, so a broken template stops the server at start rather than on
// the first request. Each page has one typed data struct embedding the shared Layout; Render
// picks the set of Layout.Lang and writes the page after rendering it into a buffer, so a
// template error never sends half a page.
//
// Every word on a page goes through the message catalogues: templates call {{t "Id"}} (a
// plain message is a map lookup, no allocation), and handlers pass i18n.Message values (an id
// and its data), never English text. An unknown id or missing data is a template error, so a
// test that renders a page catches it.
//
// Layout carries the operator's Branding (service name, https logo, terms and privacy links)
// shown in the header, the <title> and the footer.
//
// Forms are built from the partials of pages/forms.html: "input" draws a labelled field (Input)
// with its hint and its error next to it, tied to the field with aria-describedby and
// aria-invalid; it keeps what the user typed, except in a password field. "alert" is the
// page-level error, "notice" a confirmation, "signedInAs" the signed-in line. FieldErrors maps
// a field to its message. The stylesheet has primary, secondary and danger buttons, a line
// offering the other form (.other-form: "No account yet? Create an account") and styles for
// lists of sessions and devices (.list of .details, with small client logos) and tables
// (table.data).
//
// Every rendered page carries the headers a login page needs (RFC 9700 §4.16 on clickjacking;
// DESIGN.md "Safety rules"): a Content-Security-Policy with frame-ancestors 'none' and, but
// for the sign-up page, no script source at all (default-src 'none'), X-Frame-Options: DENY
// for older browsers, Referrer-Policy: same-origin (not no-referrer, which would make browsers
// send "Origin: null" with our own form posts), X-Content-Type-Options: nosniff,
// Content-Language, Vary: Accept-Language, and Cache-Control: no-store because pages hold CSRF
// tokens and user names. The CSP deliberately has no form-action directive: the consent form's
// POST is answered with a 303 to the client's redirect URI, which may use a private scheme
// (RFC 8252 §7.1), and Chromium applies form-action to redirects after a submission.
//
// The pages work without JavaScript. The one script, register.js, only checks on the sign-up
// page whether a username is free while it is typed; without it the "Check availability"
// button does the same with a page load. That page alone (RegisterPage is a scriptedPage) gets
// a CSP with script-src 'self', so the browser runs the script file served from this origin
// and nothing inline or from elsewhere (markup injected into the page still cannot run), and
// connect-src 'self', so the script can fetch the availability answer from this origin only.
// Every other page has no script, so it allows none. The stylesheet and the script are served
// by AssetHandler under content-hashed paths (StylesheetPath, RegisterScriptPath), so browsers
// may cache them for a year and a new release can never be styled or scripted by an old file.
//
// The form field names the handlers read are the Field* and Action* constants.
package template
