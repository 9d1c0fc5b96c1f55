package template

import (
	"strings"

	"github.com/mxauth/mxauth/internal/i18n"
)

// Form field names the pages submit. Handlers read these; a test checks the rendered forms
// use exactly these names.
const (
	FieldCSRF     = "csrf"     // the CSRF token, a hidden field in every form
	FieldNext     = "next"     // where the login form continues after success
	FieldUsername = "username" // login form
	FieldPassword = "password" // login form
	FieldAction   = "action"   // the consent form's submit button: ActionAllow or ActionDeny

	ActionAllow = "allow"
	ActionDeny  = "deny"
)

// AlertID is the element id of the page-level alert (the "alert" partial). A field the alert
// is about points at it with aria-describedby (Input.AlertInvalid).
const AlertID = "page-alert"

// FieldErrors says what is wrong with the fields of a submitted form: field name → message.
// Pages embed it; the "input" partial shows a field's message next to it.
type FieldErrors map[string]i18n.Message

// Of is the message of a field, or the zero Message when the field is fine.
func (e FieldErrors) Of(field string) i18n.Message { return e[field] }

// Any reports whether some field has an error.
func (e FieldErrors) Any() bool { return len(e) > 0 }

// Input is one labelled form field, drawn by the "input" partial of pages/forms.html:
// the label, an optional hint, an optional error next to the field (WCAG 3.3.1), tied to the
// input with aria-describedby and aria-invalid so a screen reader reads them with it.
type Input struct {
	// Name is the form field name and the element id.
	Name string
	// Type is the input type: "text", "password", "email", ...
	Type string
	// Label is the message id of the label.
	Label string
	// Value refills the field with what the user typed. A password field never shows it:
	// a password must not travel back in a page.
	Value string
	// Autocomplete is the autocomplete token (HTML "autofill"), e.g. "username",
	// "current-password", "new-password"; password managers rely on it.
	Autocomplete string
	// Hint is shown between the label and the field; optional.
	Hint i18n.Message
	// Error says what is wrong with the value; optional.
	Error i18n.Message
	// AlertInvalid marks the field invalid because of the page-level alert (AlertID), for an
	// error about several fields at once, such as a failed sign-in.
	AlertInvalid bool
	// Verbatim turns off automatic capitals and spell checking: for user names and codes.
	Verbatim  bool
	Required  bool
	Autofocus bool
}

// ShowsValue reports whether the field is drawn with its value.
func (in Input) ShowsValue() bool { return in.Type != "password" && in.Value != "" }

// Invalid reports whether the field gets aria-invalid="true".
func (in Input) Invalid() bool { return !in.Error.IsZero() || in.AlertInvalid }

// HintID and ErrorID are the element ids of the hint and of the error message.
func (in Input) HintID() string  { return in.Name + "-hint" }
func (in Input) ErrorID() string { return in.Name + "-error" }

// DescribedBy is the aria-describedby list: the hint, the field's error, the page alert.
func (in Input) DescribedBy() string {
	var ids []string
	if !in.Hint.IsZero() {
		ids = append(ids, in.HintID())
	}
	if !in.Error.IsZero() {
		ids = append(ids, in.ErrorID())
	}
	if in.AlertInvalid {
		ids = append(ids, AlertID)
	}
	return strings.Join(ids, " ")
}
