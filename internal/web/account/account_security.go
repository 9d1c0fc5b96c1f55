package account

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/password"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/session"
)

// CrossSigningResetWindow is how long an approved cross-signing reset stays allowed: the ten
// minutes Synapse grants after MAS's allow_cross_signing_reset (SYNAPSE.md §1.4).
const CrossSigningResetWindow = 10 * time.Minute

const donePasswordChanged = "password"

// passwordForm asks for the current password and the new one twice.
func (m *Management) passwordForm(w http.ResponseWriter, r *http.Request, cur session.Current) {
	var page template.AccountPasswordPage
	if r.URL.Query().Get(paramDone) == donePasswordChanged {
		page.Notice = message("AccountPasswordChanged")
	}
	m.showPasswordForm(w, r, http.StatusOK, cur, page)
}

func (m *Management) showPasswordForm(w http.ResponseWriter, r *http.Request, status int, cur session.Current, page template.AccountPasswordPage) {
	csrf, ok := m.csrfToken(w, r)
	if !ok {
		return
	}
	page.Layout, page.HomeHref, page.Action, page.CSRFToken = m.layout(r), m.local(PathAccount), m.local(PathAccountPassword), csrf
	page.MinLength, page.Username = max(m.Options.PasswordPolicy.MinLength, 1), cur.User.Username
	m.render(w, r, status, page)
}

// changePassword replaces the password once the current one is confirmed, and signs out the
// user's other browsers (this one gets a new session): whoever may have learnt the old
// password, or copied this browser's cookie, loses the pages with it.
// The user's Matrix apps stay signed in, as with MAS.
func (m *Management) changePassword(w http.ResponseWriter, r *http.Request, cur session.Current) {
	f := r.PostForm
	current, next := f.Get(template.FieldPassword), f.Get(template.FieldNewPassword)
	errs, err := m.checkNewPassword(next, f.Get(template.FieldNewPasswordAgain), cur.User.Username)
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	if current == "" {
		errs[template.FieldPassword] = message(msgPasswordMissing)
	}
	if errs.Any() {
		m.showPasswordForm(w, r, http.StatusBadRequest, cur, template.AccountPasswordPage{Errors: errs})
		return
	}
	fieldError, answered := m.reauthenticate(w, r, cur.User, current)
	if answered {
		return
	}
	if !fieldError.IsZero() {
		m.showPasswordForm(w, r, http.StatusBadRequest, cur, template.AccountPasswordPage{
			Errors: template.FieldErrors{template.FieldPassword: fieldError},
		})
		return
	}
	ctx := r.Context()
	hash, err := m.Passwords.Hash(ctx, next)
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	if err := m.Store.Users().SetPasswordHash(ctx, cur.User.ID, hash); err != nil {
		m.serverError(w, r, err)
		return
	}
	// Every browser session ends, this one too, and this browser gets a new one: a stolen copy
	// of its cookie must stop working as well (OWASP Session Management Cheat Sheet: renew the
	// session ID after a password change). Ending first fails safe: should the new session not
	// start, the user signs in again with the new password.
	if _, err := m.Store.BrowserSessions().EndAllByUser(ctx, cur.User.ID, "", m.Clock.Now()); err != nil {
		m.serverError(w, r, err)
		return
	}
	if _, err := m.Browser.Start(ctx, w, r, cur.User); err != nil {
		m.serverError(w, r, err)
		return
	}
	m.seeOther(w, r, PathAccountPassword, url.Values{paramDone: {donePasswordChanged}})
}

// checkNewPassword applies the password policy (NIST SP 800-63B §5.1.1.2 via
// password.Policy: a minimum length, not the username, not a common password) and checks
// that the new password was typed the same twice.
func (m *Management) checkNewPassword(next, again, username string) (template.FieldErrors, error) {
	errs := template.FieldErrors{}
	if next == "" {
		errs[template.FieldNewPassword] = message("AccountNewPasswordMissing")
		return errs, nil
	}
	err := m.Options.PasswordPolicy.Check(next, username)
	var rejection *password.Rejection
	switch {
	case errors.As(err, &rejection):
		errs[template.FieldNewPassword] = rejectionMessage(rejection)
	case err != nil:
		return nil, err
	case again != next:
		errs[template.FieldNewPasswordAgain] = message("AccountNewPasswordMismatch")
	}
	return errs, nil
}

// rejectionMessage says why the policy refused a new password.
func rejectionMessage(r *password.Rejection) i18n.Message {
	switch r.Reason {
	case password.TooShort:
		return i18n.Message{ID: "AccountNewPasswordTooShort", Data: map[string]any{"Count": r.MinLength}}
	case password.TooLong:
		return message("AccountNewPasswordTooLong")
	case password.SameAsUsername:
		return message("AccountNewPasswordIsUsername")
	case password.Common:
		return message("AccountNewPasswordCommon")
	}
	return message("AccountNewPasswordRefused")
}

// deactivateForm explains deactivation and asks for the password and the username
// (org.matrix.account_deactivate; MSC4191: "the server MUST inform the user of what the
// action is prior to it being executed").
func (m *Management) deactivateForm(w http.ResponseWriter, r *http.Request, cur session.Current) {
	m.showDeactivateForm(w, r, http.StatusOK, cur, template.AccountDeactivatePage{})
}

func (m *Management) showDeactivateForm(w http.ResponseWriter, r *http.Request, status int, cur session.Current, page template.AccountDeactivatePage) {
	csrf, ok := m.csrfToken(w, r)
	if !ok {
		return
	}
	page.Layout, page.HomeHref, page.Action, page.CSRFToken = m.layout(r), m.local(PathAccount), m.local(PathAccountDeactivate), csrf
	page.Username = cur.User.Username
	m.render(w, r, status, page)
}

// deactivate deactivates the account for good: the store ends every OAuth and browser session
// in the same transaction, sign-in is refused from then on, and the username stays taken
// (rows are never deleted). The homeserver deactivates the user too.
func (m *Management) deactivate(w http.ResponseWriter, r *http.Request, cur session.Current) {
	f := r.PostForm
	typed, pw := f.Get(template.FieldConfirm), f.Get(template.FieldPassword)
	errs := template.FieldErrors{}
	if m.localpart(typed) != cur.User.Username {
		errs[template.FieldConfirm] = i18n.Message{ID: "AccountDeactivateConfirmWrong", Data: map[string]any{"Username": cur.User.Username}}
	}
	if pw == "" {
		errs[template.FieldPassword] = message(msgPasswordMissing)
	} else if !errs.Any() {
		fieldError, answered := m.reauthenticate(w, r, cur.User, pw)
		if answered {
			return
		}
		if !fieldError.IsZero() {
			errs[template.FieldPassword] = fieldError
		}
	}
	if errs.Any() {
		m.showDeactivateForm(w, r, http.StatusBadRequest, cur, template.AccountDeactivatePage{
			Confirm: strings.ToValidUTF8(typed, "\uFFFD"), Errors: errs,
		})
		return
	}
	ctx := r.Context()
	ended, err := m.Store.Users().Deactivate(ctx, cur.User.ID, m.Clock.Now())
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	m.Logger.Info("account deactivated by its user", "user_id", cur.User.ID, "sessions_ended", len(ended))
	if err := m.Homeserver.UserChanged(ctx, cur.User.ID); err != nil {
		m.Logger.Error("scheduling the homeserver's deactivation", "user_id", cur.User.ID, "err", err)
	}
	if err := m.Browser.End(w, r); err != nil {
		m.Logger.Warn("ending the browser session of a deactivated user", "err", err)
	}
	m.render(w, r, http.StatusOK, template.AccountDeactivatedPage{Layout: m.layout(r), Username: cur.User.Username})
}

// crossSigningResetForm explains a cross-signing reset and asks for approval
// (org.matrix.cross_signing_reset, the m.oauth UIA stage's URL); while an approval is in
// force it says how long is left.
func (m *Management) crossSigningResetForm(w http.ResponseWriter, r *http.Request, cur session.Current) {
	csrf, ok := m.csrfToken(w, r)
	if !ok {
		return
	}
	page := template.AccountCrossSigningResetPage{
		Layout: m.layout(r), HomeHref: m.local(PathAccount), Action: m.local(PathAccountCrossSigningReset), CSRFToken: csrf,
	}
	now, until := m.Clock.Now(), cur.User.CrossSigningResetAllowedUntil
	if left := until.Sub(now); left > 0 {
		page.ApprovedMinutes = int((left + time.Minute - 1) / time.Minute)
		page.ApprovedUntil = timeView(m.language(r), until, now)
	}
	m.render(w, r, http.StatusOK, page)
}

// allowCrossSigningReset records the approval for CrossSigningResetWindow and passes it on to
// the homeserver (Synapse's allow_cross_signing_reset, R87), then shows the page again.
func (m *Management) allowCrossSigningReset(w http.ResponseWriter, r *http.Request, cur session.Current) {
	ctx := r.Context()
	if err := m.Store.Users().AllowCrossSigningReset(ctx, cur.User.ID, m.Clock.Now().Add(CrossSigningResetWindow)); err != nil {
		m.serverError(w, r, err)
		return
	}
	// Unlike the other changes, a failure here is the user's problem at once: their app's
	// retry would fail, so the page must not say the reset is allowed.
	if err := m.Homeserver.CrossSigningResetAllowed(ctx, cur.User.ID); err != nil {
		m.serverError(w, r, err)
		return
	}
	m.seeOther(w, r, PathAccountCrossSigningReset, nil)
}
