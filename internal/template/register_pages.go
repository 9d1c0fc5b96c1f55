package template

import (
	_ "embed"

	"github.com/mxauth/mxauth/internal/i18n"
)

// Form field names of the sign-up page, on top of FieldCSRF, FieldNext, FieldUsername,
// FieldPassword and FieldDisplayName (shared with the profile page). Handlers read these.
const (
	FieldPasswordConfirm   = "password_confirm"
	FieldRegistrationToken = "registration_token"
	// FieldTOS is the terms-of-service checkbox; a ticked box sends TOSAccepted.
	FieldTOS    = "tos"
	TOSAccepted = "accept"
)

// AvailabilityID is the element id of the live region next to the username field where the
// availability of the name is announced (by register.js as the user types, or after the
// "Check availability" button without JavaScript).
const AvailabilityID = "username-availability"

// scriptedPageCSP is the Content-Security-Policy of a page that loads a script (the sign-up
// page): the script is a file of this origin, never inline, so script-src 'self' is all it
// needs, and it fetches the availability of a username from this origin (connect-src).
// Everything else is as on every other page.
var scriptedPageCSP = []string{"default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'"}

// scriptedPage is a page that loads a script; Render sends it scriptedPageCSP.
type scriptedPage interface{ scripted() }

// registerJS is the sign-up page's one script (static/register.js): it checks the username's
// availability while the user types. The page works without it.
//
//go:embed static/register.js
var registerJS []byte

// RegisterPage is the sign-up form: username (with an availability check), password twice,
// display name, and, depending on the server, a registration token and the terms of service.
type RegisterPage struct {
	Layout
	// Action is the URL the form posts to, to create the account.
	Action string
	// CheckAction is the formaction of the "Check availability" button: the same form posted
	// there comes back with the result next to the username and everything else kept.
	CheckAction string
	// AvailabilityURL answers GET ?username=… with JSON for register.js.
	AvailabilityURL string
	// LoginURL is the sign-in page, for people who have an account already.
	LoginURL  string
	CSRFToken string
	// Next is where the browser continues after sign-up (the consent page of the authorization
	// request that asked for prompt=create); empty leaves the field out.
	Next string
	// ClientName is the application the sign-up continues to; empty when there is none.
	ClientName string
	// Username, DisplayName and RegistrationToken refill the fields after a failed attempt.
	// The passwords are never sent back.
	Username          string
	DisplayName       string
	RegistrationToken string
	// TokenRequired shows the registration token field (account.registration: token).
	TokenRequired bool
	// TOSAccepted keeps the terms-of-service box ticked after a failed attempt. The box is
	// shown only when Layout.TOSURI is set.
	TOSAccepted bool
	// PasswordMinLength is the shortest password the server accepts, for the field's hint.
	PasswordMinLength int
	// Error is a page-level alert, about no single field (the homeserver cannot be reached).
	Error i18n.Message
	// Errors are messages next to single fields.
	Errors FieldErrors
	// Available confirms, after the "Check availability" button, that the username is free.
	Available i18n.Message
}

func (RegisterPage) templateName() string { return "register.html" }

// scripted marks the page that loads register.js; Render sends it a Content-Security-Policy
// that allows scripts and fetches from this origin.
func (RegisterPage) scripted() {}

// registerFieldOrder is the order of the form's fields, for choosing the one to focus.
var registerFieldOrder = []string{FieldUsername, FieldDisplayName, FieldPassword, FieldPasswordConfirm, FieldRegistrationToken, FieldTOS}

// focus is the field that gets autofocus: the first with an error, else the username when it is
// empty, else none (a page showing the availability result keeps the reader at the top).
func (p RegisterPage) focus() string {
	for _, f := range registerFieldOrder {
		if !p.Errors.Of(f).IsZero() {
			return f
		}
	}
	if p.Username == "" {
		return FieldUsername
	}
	return ""
}

// UsernameInput is the username field; its hint shows the Matrix ID it makes.
func (p RegisterPage) UsernameInput() Input {
	return Input{
		Name: FieldUsername, Type: "text", Label: "RegisterUsername", Value: p.Username,
		Autocomplete: "username", Error: p.Errors.Of(FieldUsername), Verbatim: true, Required: true,
		Hint:      i18n.Message{ID: "RegisterUsernameHint", Data: map[string]any{"ServerName": p.ServerName}},
		Autofocus: p.focus() == FieldUsername,
	}
}

// DisplayNameInput is the optional display name.
func (p RegisterPage) DisplayNameInput() Input {
	return Input{
		Name: FieldDisplayName, Type: "text", Label: "RegisterDisplayName", Value: p.DisplayName,
		Autocomplete: "name", Hint: i18n.Message{ID: "RegisterDisplayNameHint"},
		Error: p.Errors.Of(FieldDisplayName), Autofocus: p.focus() == FieldDisplayName,
	}
}

// PasswordInput is the new password; the hint gives the minimum length.
func (p RegisterPage) PasswordInput() Input {
	return Input{
		Name: FieldPassword, Type: "password", Label: "RegisterPassword", Autocomplete: "new-password",
		Hint:  i18n.Message{ID: "RegisterPasswordHint", Data: map[string]any{"Count": max(p.PasswordMinLength, 1)}},
		Error: p.Errors.Of(FieldPassword), Required: true, Autofocus: p.focus() == FieldPassword,
	}
}

// PasswordConfirmInput asks for the password again, to catch a typo.
func (p RegisterPage) PasswordConfirmInput() Input {
	return Input{
		Name: FieldPasswordConfirm, Type: "password", Label: "RegisterPasswordConfirm", Autocomplete: "new-password",
		Error: p.Errors.Of(FieldPasswordConfirm), Required: true, Autofocus: p.focus() == FieldPasswordConfirm,
	}
}

// TokenInput is the registration token field, shown when TokenRequired.
func (p RegisterPage) TokenInput() Input {
	return Input{
		Name: FieldRegistrationToken, Type: "text", Label: "RegisterToken", Value: p.RegistrationToken,
		Autocomplete: "off", Hint: i18n.Message{ID: "RegisterTokenHint"}, Error: p.Errors.Of(FieldRegistrationToken),
		Verbatim: true, Required: true, Autofocus: p.focus() == FieldRegistrationToken,
	}
}

// TOSError is the message next to the terms-of-service box; zero when there is none.
func (p RegisterPage) TOSError() i18n.Message { return p.Errors.Of(FieldTOS) }

// TOSAutofocus reports whether the terms-of-service box gets the focus.
func (p RegisterPage) TOSAutofocus() bool { return p.focus() == FieldTOS }

// RegisteredPage welcomes a person who signed up outside any authorization request: their
// account exists, and they can use it in a Matrix app or manage it.
type RegisteredPage struct {
	Layout
	// UserID is the new account's Matrix ID, "@alice:example.com".
	UserID string
	// AccountURL is the account management page.
	AccountURL string
}

func (RegisteredPage) templateName() string { return "register_done.html" }
