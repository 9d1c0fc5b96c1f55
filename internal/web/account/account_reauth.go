package account

import (
	"net/http"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
)

// Message ids of a re-authentication's field error.
const (
	msgPasswordMissing = "AccountPasswordMissing"
	msgPasswordWrong   = "AccountPasswordWrong"
)

// reauthenticate checks the password a destructive or security-relevant form asks for again
// (MSC4191 security considerations: device_delete and account_deactivate SHOULD
// re-authenticate). It returns the message to show next to the password field, or the zero
// Message when the password is right. When answered is true it has already answered: 429 when
// the address's or the account's sign-in attempts are used up (so a stolen browser session
// cannot guess the password at leisure), 500 on a failure of the store or the hasher.
// Verification runs under the Hasher's concurrency limit, like a sign-in.
func (m *Management) reauthenticate(w http.ResponseWriter, r *http.Request, u model.User, pw string) (fieldError i18n.Message, answered bool) {
	if pw == "" {
		return message(msgPasswordMissing), false
	}
	// The sign-in form's buckets, per address and per account: each is a password guess, and
	// the account pages must give no extra ones (a stolen browser session would otherwise get
	// the per-account burst, far above the per-address one, from a single address).
	if m.limitedByIP(w, r, m.Limits.LoginPerIP) || m.limitedLoginAccount(w, r, u.ID) {
		return i18n.Message{}, true
	}
	ctx := r.Context()
	if u.PasswordHash == "" {
		// No password to check: spend the time a check takes, and refuse.
		if err := m.Passwords.DummyVerify(ctx, pw); err != nil {
			m.serverError(w, r, err)
			return i18n.Message{}, true
		}
		return message(msgPasswordWrong), false
	}
	ok, rehash, err := m.Passwords.Verify(ctx, pw, u.PasswordHash)
	if err != nil {
		m.serverError(w, r, err)
		return i18n.Message{}, true
	}
	if !ok {
		return message(msgPasswordWrong), false
	}
	if rehash {
		// As at sign-in: upgrade an older scheme now that the password is known.
		if h, err := m.Passwords.Hash(ctx, pw); err == nil {
			if err := m.Store.Users().SetPasswordHash(ctx, u.ID, h); err != nil {
				m.Logger.Warn("upgrading a password hash", "user_id", u.ID, "err", err)
			}
		}
	}
	return i18n.Message{}, false
}
