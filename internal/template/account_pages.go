package template

import (
	"github.com/mxauth/mxauth/internal/i18n"
)

// Form field names of the account pages (MSC4191 account management); web/account reads them.
// The current password of a re-authentication is FieldPassword, as on the sign-in form, so
// password managers fill it.
const (
	FieldDisplayName      = "display_name"
	FieldNewPassword      = "new_password"
	FieldNewPasswordAgain = "new_password_again"
	// FieldConfirm is the username typed to confirm a deactivation.
	FieldConfirm = "confirm"
	// FieldBrowserSession names the browser session a "sign out" button ends.
	FieldBrowserSession = "session"
)

// AccountLink is one section of the account home page.
type AccountLink struct {
	Href string
	// Label is the message id of the link text; Hint says what the section is for.
	Label string
	Hint  i18n.Message
}

// TimeView is a moment as the account pages show it: how long ago, in words, and the date and
// time in the page's language. Machine is RFC 3339 for <time datetime>; empty means the
// moment is unknown and the page says so.
type TimeView struct {
	Relative i18n.Message
	Absolute string
	Machine  string
}

// Known reports whether there is a moment to show.
func (t TimeView) Known() bool { return t.Machine != "" }

// DeviceView is one OAuth session (one Matrix device) of the signed-in user.
type DeviceView struct {
	DeviceID string
	// Client is the application that holds the session; its name and https logo are shown.
	Client     ClientView
	Created    TimeView
	LastActive TimeView
	LastIP     string
	// UserAgent is a short form ("Firefox 128 · Linux"); FullUserAgent the header as sent.
	UserAgent     string
	FullUserAgent string
	// ViewHref and DeleteHref are the device's detail page and its sign-out page.
	ViewHref   string
	DeleteHref string
}

// BrowserSessionView is one signed-in browser of the user (a session of these pages, not a
// Matrix device).
type BrowserSessionView struct {
	ID string
	// Current is the browser showing the page.
	Current           bool
	Created           TimeView
	LastAuthenticated TimeView
	IP                string
	UserAgent         string
	FullUserAgent     string
}

// AccountHomePage is /account/: who is signed in, and the sections they can open.
type AccountHomePage struct {
	Layout
	UserID      string // @alice:example.com
	DisplayName string
	Links       []AccountLink
	// LogoutAction is the sign-out form's URL.
	LogoutAction string
	CSRFToken    string
}

func (AccountHomePage) templateName() string { return "account_home.html" }

// AccountProfilePage shows the user's profile, and lets them change their display name when
// the server allows it (Editable).
type AccountProfilePage struct {
	Layout
	HomeHref string
	UserID   string
	// DisplayName is the stored name, or what the user typed when the form comes back.
	DisplayName string
	Editable    bool
	Action      string
	CSRFToken   string
	// MaxDisplayName is the longest name accepted, in characters (for the hint).
	MaxDisplayName int
	Errors         FieldErrors
	Notice         i18n.Message
}

func (AccountProfilePage) templateName() string { return "account_profile.html" }

// DisplayNameInput is the display name field.
func (p AccountProfilePage) DisplayNameInput() Input {
	return Input{
		Name: FieldDisplayName, Type: "text", Label: "AccountDisplayName", Value: p.DisplayName,
		Autocomplete: "nickname", Required: true, Error: p.Errors.Of(FieldDisplayName),
		Hint:      i18n.Message{ID: "AccountDisplayNameHint", Data: map[string]any{"Max": p.MaxDisplayName}},
		Autofocus: p.Errors.Any(),
	}
}

// AccountDevicesPage lists the user's devices, newest first (MSC4191 org.matrix.devices_list).
type AccountDevicesPage struct {
	Layout
	HomeHref string
	Devices  []DeviceView
	Notice   i18n.Message
}

func (AccountDevicesPage) templateName() string { return "account_devices.html" }

// AccountDevicePage shows one device (org.matrix.device_view) or, with Confirm, asks to sign
// it out (org.matrix.device_delete): it says what will happen and asks for the password
// again before anything happens (MSC4191 security considerations).
type AccountDevicePage struct {
	Layout
	HomeHref    string
	DevicesHref string
	Device      DeviceView
	Confirm     bool
	Action      string
	CSRFToken   string
	// Username is named in a hidden field of the password form, for password managers.
	Username string
	Errors   FieldErrors
}

func (AccountDevicePage) templateName() string { return "account_device.html" }

// PasswordInput is the re-authentication field of the sign-out form.
func (p AccountDevicePage) PasswordInput() Input { return reauthInput(p.Errors, true) }

// reauthInput is the current-password field of a destructive form.
func reauthInput(errs FieldErrors, autofocus bool) Input {
	return Input{
		Name: FieldPassword, Type: "password", Label: "AccountCurrentPassword", Autocomplete: "current-password",
		Hint: i18n.Message{ID: "AccountReauthHint"}, Error: errs.Of(FieldPassword), Required: true, Autofocus: autofocus,
	}
}

// AccountPasswordPage changes the password: the current one, and the new one twice.
type AccountPasswordPage struct {
	Layout
	HomeHref  string
	Action    string
	CSRFToken string
	// Username is named in a hidden field, so password managers store the new password for
	// the right account.
	Username string
	// MinLength is the shortest new password accepted, in characters (for the hint).
	MinLength int
	Errors    FieldErrors
	Notice    i18n.Message
}

func (AccountPasswordPage) templateName() string { return "account_password.html" }

// CurrentPasswordInput, NewPasswordInput and NewPasswordAgainInput are the three fields.
func (p AccountPasswordPage) CurrentPasswordInput() Input {
	in := reauthInput(p.Errors, false)
	in.Hint = i18n.Message{}
	in.Autofocus = in.Invalid() || !p.Errors.Any()
	return in
}

func (p AccountPasswordPage) NewPasswordInput() Input {
	in := Input{
		Name: FieldNewPassword, Type: "password", Label: "AccountNewPassword", Autocomplete: "new-password",
		Hint:  i18n.Message{ID: "AccountNewPasswordHint", Data: map[string]any{"Count": p.MinLength}},
		Error: p.Errors.Of(FieldNewPassword), Required: true,
	}
	in.Autofocus = in.Invalid() && !p.CurrentPasswordInput().Autofocus
	return in
}

func (p AccountPasswordPage) NewPasswordAgainInput() Input {
	in := Input{
		Name: FieldNewPasswordAgain, Type: "password", Label: "AccountNewPasswordAgain", Autocomplete: "new-password",
		Error: p.Errors.Of(FieldNewPasswordAgain), Required: true,
	}
	in.Autofocus = in.Invalid() && !p.CurrentPasswordInput().Autofocus && !p.NewPasswordInput().Autofocus
	return in
}

// AccountDeactivatePage explains deactivation and asks for the password and the username
// (org.matrix.account_deactivate).
type AccountDeactivatePage struct {
	Layout
	HomeHref  string
	Action    string
	CSRFToken string
	Username  string
	// Confirm is what the user typed into the confirmation field.
	Confirm string
	Errors  FieldErrors
}

func (AccountDeactivatePage) templateName() string { return "account_deactivate.html" }

// PasswordInput and ConfirmInput are the two fields. Focus goes to the first field with an
// error, else to the password.
func (p AccountDeactivatePage) PasswordInput() Input {
	return reauthInput(p.Errors, !p.Errors.Of(FieldPassword).IsZero() || !p.Errors.Any())
}

func (p AccountDeactivatePage) ConfirmInput() Input {
	return Input{
		Name: FieldConfirm, Type: "text", Label: "AccountDeactivateConfirm", Value: p.Confirm,
		Hint:  i18n.Message{ID: "AccountDeactivateConfirmHint", Data: map[string]any{"Username": p.Username}},
		Error: p.Errors.Of(FieldConfirm), Autocomplete: "off", Verbatim: true, Required: true,
		Autofocus: !p.Errors.Of(FieldConfirm).IsZero() && p.Errors.Of(FieldPassword).IsZero(),
	}
}

// AccountDeactivatedPage is shown once the account is deactivated; nobody is signed in any more.
type AccountDeactivatedPage struct {
	Layout
	Username string
}

func (AccountDeactivatedPage) templateName() string { return "account_deactivated.html" }

// AccountCrossSigningResetPage explains a cross-signing reset and asks the user to approve it
// (org.matrix.cross_signing_reset); once approved it says how long the approval lasts.
type AccountCrossSigningResetPage struct {
	Layout
	HomeHref  string
	Action    string
	CSRFToken string
	// ApprovedMinutes is the approval's time left, rounded up; 0: no approval in force.
	ApprovedMinutes int
	ApprovedUntil   TimeView
}

func (AccountCrossSigningResetPage) templateName() string { return "account_cross_signing_reset.html" }

// AccountBrowsersPage lists the browsers signed in to these pages, with "sign out" for each
// and for all the others at once.
type AccountBrowsersPage struct {
	Layout
	HomeHref        string
	Sessions        []BrowserSessionView
	EndAction       string
	EndOthersAction string
	// LogoutAction signs out the current browser.
	LogoutAction string
	CSRFToken    string
	Notice       i18n.Message
}

func (AccountBrowsersPage) templateName() string { return "account_browsers.html" }

// Others counts the sessions besides the current one.
func (p AccountBrowsersPage) Others() int {
	n := 0
	for _, s := range p.Sessions {
		if !s.Current {
			n++
		}
	}
	return n
}
