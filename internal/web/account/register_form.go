package account

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/password"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
	"github.com/mxauth/mxauth/internal/web"
)

// maxDisplayNameLength is the longest display name, in characters: Synapse's limit on
// profile display names (MAX_DISPLAYNAME_LEN), so the homeserver accepts what we provision.
const maxDisplayNameLength = 256

// Message ids of the sign-up form's other fields.
const (
	msgRegisterDisplayNameTooLong     = "RegisterDisplayNameTooLong" // data: Max
	msgRegisterDisplayNameInvalid     = "RegisterDisplayNameInvalid"
	msgRegisterPasswordMissing        = "RegisterPasswordMissing"
	msgRegisterPasswordTooShort       = "RegisterPasswordTooShort" // data: Count
	msgRegisterPasswordTooLong        = "RegisterPasswordTooLong"
	msgRegisterPasswordIsUsername     = "RegisterPasswordIsUsername"
	msgRegisterPasswordCommon         = "RegisterPasswordCommon"
	msgRegisterPasswordConfirmMissing = "RegisterPasswordConfirmMissing"
	msgRegisterPasswordMismatch       = "RegisterPasswordMismatch"
	msgRegisterTokenMissing           = "RegisterTokenMissing"
	msgRegisterTokenInvalid           = "RegisterTokenInvalid"
	msgRegisterTokenUnusable          = "RegisterTokenUnusable"
	msgRegisterTOSMissing             = "RegisterTOSMissing"
)

// registerForm is what a sign-up form post holds.
type registerForm struct {
	next string
	// typed is the username field as typed, shown again; username is it without the spaces
	// around it, as checked.
	typed, username string
	displayName     string
	pw, confirm     string
	regToken        string
	tosAccepted     bool
}

func (s *Signup) parseRegisterForm(r *http.Request) registerForm {
	get := r.PostForm.Get
	typed := get(template.FieldUsername)
	return registerForm{
		next: s.safeNext(get(template.FieldNext)), typed: typed, username: strings.TrimSpace(typed),
		displayName: get(template.FieldDisplayName),
		pw:          get(template.FieldPassword), confirm: get(template.FieldPasswordConfirm),
		regToken:    get(template.FieldRegistrationToken),
		tosAccepted: get(template.FieldTOS) == template.TOSAccepted,
	}
}

// page is the form filled again with what the user typed, except the passwords.
func (f registerForm) page() template.RegisterPage {
	return template.RegisterPage{
		Next: f.next, Username: f.typed, DisplayName: f.displayName,
		RegistrationToken: f.regToken, TOSAccepted: f.tosAccepted,
	}
}

// register creates the account, signs the new user in and continues where the sign-up
// started: the consent page of the authorization request (as after a sign-in), or the
// welcome page.
func (s *Signup) register(w http.ResponseWriter, r *http.Request) {
	f, ok := s.readForm(w, r)
	if !ok || s.limitedByIP(w, r, s.Limits.UsernameChecksPerIP) {
		return
	}
	ctx := r.Context()
	errs, regToken, status, err := s.checkRegisterForm(ctx, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if errs.Any() {
		page := f.page()
		page.Errors = errs
		s.showRegister(w, r, status, page)
		return
	}
	// Only a sign-up that passed every check counts against the address's allowance, so a
	// typo does not use it up (MAS's registration limit: 3 at once, then one per ~20 minutes).
	if s.limitedByIP(w, r, s.Limits.RegistrationPerIP) {
		return
	}
	u, fieldErrs, err := s.createUser(ctx, f, regToken)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if fieldErrs.Any() {
		page := f.page()
		page.Errors = fieldErrs
		s.showRegister(w, r, http.StatusConflict, page)
		return
	}
	// Synapse must know the user before any token of theirs is introspected (SYNAPSE.md
	// §1.6); a failure to queue the job is not the user's problem: the token endpoint
	// provisions a missing user again before it names a device.
	if err := s.Homeserver.UserChanged(ctx, u.ID); err != nil {
		web.Logger(ctx).Error("queueing the homeserver provisioning of a new user", "user_id", u.ID, "err", err)
	}
	if err := s.Browser.End(w, r); err != nil {
		web.Logger(ctx).Warn("ending the previous browser session", "err", err)
	}
	if _, err := s.Browser.Start(ctx, w, r, u); err != nil {
		s.serverError(w, r, err)
		return
	}
	next := f.next
	if next == "" {
		next = s.local(PathRegistered)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// checkRegisterForm finds what is wrong with each field, with a message for it. status is
// the one to answer with when something is: 400, or 503 when only the homeserver could not
// be asked. regToken is the registration token to spend. err is a failure of the server.
func (s *Signup) checkRegisterForm(ctx context.Context, f registerForm) (errs template.FieldErrors, regToken model.RegistrationToken, status int, err error) {
	errs = template.FieldErrors{}
	status = http.StatusBadRequest
	problem, err := s.usernameProblem(ctx, f.username)
	switch {
	case errors.Is(err, errHomeserverUnavailable):
		web.Logger(ctx).Warn("checking a username with the homeserver", "err", err)
		status = http.StatusServiceUnavailable
	case err != nil:
		return nil, regToken, 0, err
	}
	if !problem.IsZero() {
		errs[template.FieldUsername] = problem
	}
	if m := displayNameProblem(f.displayName); !m.IsZero() {
		errs[template.FieldDisplayName] = m
	}
	pwProblem, err := s.passwordProblem(f.pw, f.username)
	if err != nil {
		return nil, regToken, 0, err
	}
	if !pwProblem.IsZero() {
		errs[template.FieldPassword] = pwProblem
	}
	switch {
	case f.confirm == "" && f.pw != "":
		errs[template.FieldPasswordConfirm] = i18n.Message{ID: msgRegisterPasswordConfirmMissing}
	case f.confirm != f.pw:
		errs[template.FieldPasswordConfirm] = i18n.Message{ID: msgRegisterPasswordMismatch}
	}
	if s.Options.TokenRequired {
		var m i18n.Message
		if regToken, m, err = s.registrationToken(ctx, f.regToken); err != nil {
			return nil, regToken, 0, err
		}
		if !m.IsZero() {
			errs[template.FieldRegistrationToken] = m
		}
	}
	if s.Layout.TOSURI != "" && !f.tosAccepted {
		errs[template.FieldTOS] = i18n.Message{ID: msgRegisterTOSMissing}
	}
	if len(errs) > 1 || status != http.StatusServiceUnavailable {
		// Anything the user must fix comes first; 503 only when the homeserver alone failed.
		status = http.StatusBadRequest
	}
	return errs, regToken, status, nil
}

// displayNameProblem checks the optional display name: a length the homeserver accepts and
// no control characters (a line break in a name would break the layout of every client).
func displayNameProblem(name string) i18n.Message {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return i18n.Message{ID: msgRegisterDisplayNameInvalid}
	}
	if utf8.RuneCountInString(strings.TrimSpace(name)) > maxDisplayNameLength {
		return i18n.Message{ID: msgRegisterDisplayNameTooLong, Data: map[string]any{"Max": maxDisplayNameLength}}
	}
	return i18n.Message{}
}

// passwordProblem applies the password policy (password.Policy) and says what is wrong.
func (s *Signup) passwordProblem(pw, username string) (i18n.Message, error) {
	if pw == "" {
		return i18n.Message{ID: msgRegisterPasswordMissing}, nil
	}
	err := s.Options.Password.Check(pw, username)
	var rej *password.Rejection
	switch {
	case err == nil:
		return i18n.Message{}, nil
	case !errors.As(err, &rej):
		return i18n.Message{}, err
	}
	switch rej.Reason {
	case password.TooShort:
		return i18n.Message{ID: msgRegisterPasswordTooShort, Data: map[string]any{"Count": rej.MinLength}}, nil
	case password.TooLong:
		return i18n.Message{ID: msgRegisterPasswordTooLong}, nil
	case password.SameAsUsername:
		return i18n.Message{ID: msgRegisterPasswordIsUsername}, nil
	}
	return i18n.Message{ID: msgRegisterPasswordCommon}, nil
}

// registrationToken looks up the typed registration token. A mistyped token fails its
// checksum (token.Check) before any lookup; one that exists but is revoked, expired or used
// up gets its own message. UserStore.Register checks usability again when it spends a use.
func (s *Signup) registrationToken(ctx context.Context, typed string) (model.RegistrationToken, i18n.Message, error) {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return model.RegistrationToken{}, i18n.Message{ID: msgRegisterTokenMissing}, nil
	}
	if token.Check(typed, token.RegistrationToken) != nil {
		return model.RegistrationToken{}, i18n.Message{ID: msgRegisterTokenInvalid}, nil
	}
	t, err := s.Store.RegistrationTokens().GetByHash(ctx, token.Hash(typed))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return t, i18n.Message{ID: msgRegisterTokenInvalid}, nil
	case err != nil:
		return t, i18n.Message{}, err
	case !t.Usable(s.Clock.Now()):
		return t, i18n.Message{ID: msgRegisterTokenUnusable}, nil
	}
	return t, i18n.Message{}, nil
}

// createUser hashes the password and stores the account, spending a use of the registration
// token in the same transaction. A name taken or a token spent by someone else in the
// meantime comes back as a field error.
func (s *Signup) createUser(ctx context.Context, f registerForm, regToken model.RegistrationToken) (model.User, template.FieldErrors, error) {
	hash, err := s.Passwords.Hash(ctx, f.pw)
	if err != nil {
		return model.User{}, nil, err
	}
	now := s.Clock.Now()
	id, err := ulid.New(now, s.Flow.Rand)
	if err != nil {
		return model.User{}, nil, err
	}
	u := model.User{ID: id, Username: f.username, DisplayName: strings.TrimSpace(f.displayName),
		PasswordHash: hash, CreatedAt: now}
	err = s.Store.Users().Register(ctx, u, regToken.ID, now)
	switch {
	case errors.Is(err, store.ErrConflict):
		return u, template.FieldErrors{template.FieldUsername: {ID: msgRegisterUsernameTaken}}, nil
	case errors.Is(err, store.ErrTokenUnusable):
		return u, template.FieldErrors{template.FieldRegistrationToken: {ID: msgRegisterTokenUnusable}}, nil
	case errors.Is(err, store.ErrNotFound) && regToken.ID != "":
		return u, template.FieldErrors{template.FieldRegistrationToken: {ID: msgRegisterTokenInvalid}}, nil
	case err != nil:
		return u, nil, err
	}
	return u, nil, nil
}
