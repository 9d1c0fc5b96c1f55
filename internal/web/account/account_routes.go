package account

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/password"
	"github.com/mxauth/mxauth/internal/provision"
	"github.com/mxauth/mxauth/internal/web/session"
)

// Paths of the account management pages (MSC4191: the account_management_uri is PathAccount).
// A device is named by the device_id query parameter, as in the MSC4191 deep links, rather
// than by a path segment: device IDs may hold '/' and may be "." or ".." (Element X's QR login
// uses base64 keys, see oauth2.Scope), which ServeMux's path cleaning would redirect away.
const (
	PathAccount                  = "/account/"
	PathAccountProfile           = "/account/profile"
	PathAccountDevices           = "/account/devices"
	PathAccountDevice            = "/account/devices/view"
	PathAccountDeviceDelete      = "/account/devices/delete"
	PathAccountPassword          = "/account/password"
	PathAccountDeactivate        = "/account/deactivate"
	PathAccountCrossSigningReset = "/account/cross-signing-reset"
	PathAccountBrowsers          = "/account/browsers"
	PathAccountBrowsersEnd       = "/account/browsers/end"
	PathAccountBrowsersEndOthers = "/account/browsers/end-others"
)

// The stable account management actions (Matrix CS API §Account management URL actions,
// MSC4191). ActionsSupported lists the ones a server offers.
const (
	ActionProfile           = "org.matrix.profile"
	ActionDevicesList       = "org.matrix.devices_list"
	ActionDeviceView        = "org.matrix.device_view"
	ActionDeviceDelete      = "org.matrix.device_delete"
	ActionAccountDeactivate = "org.matrix.account_deactivate"
	ActionCrossSigningReset = "org.matrix.cross_signing_reset"
)

// Query parameters of the deep links (CS API §Account management URL parameters).
const (
	paramAction   = "action"
	paramDeviceID = "device_id"
)

// deepLinkActions maps every action a client may send, the stable names and the ones clients
// used before MSC4191 settled (SPEC.md §1.11, which MAS still accepts), to a stable one.
var deepLinkActions = map[string]string{
	ActionProfile: ActionProfile, "profile": ActionProfile,
	ActionDevicesList: ActionDevicesList, "org.matrix.sessions_list": ActionDevicesList, "sessions_list": ActionDevicesList,
	ActionDeviceView: ActionDeviceView, "org.matrix.session_view": ActionDeviceView, "session_view": ActionDeviceView,
	ActionDeviceDelete: ActionDeviceDelete, "org.matrix.session_end": ActionDeviceDelete, "session_end": ActionDeviceDelete,
	ActionAccountDeactivate: ActionAccountDeactivate,
	ActionCrossSigningReset: ActionCrossSigningReset,
}

// ManagementOptions are the account.* switches and limits the account pages obey
// (config.Account).
type ManagementOptions struct {
	// DisplayNameChangeAllowed, PasswordChangeAllowed and DeactivationAllowed switch those
	// pages on. A page that is off is not linked and answers 404.
	DisplayNameChangeAllowed bool
	PasswordChangeAllowed    bool
	DeactivationAllowed      bool
	// PasswordPolicy is what a new password must be (account.password_min_length,
	// account.reject_common_passwords).
	PasswordPolicy password.Policy
}

// ActionsSupported is account_management_actions_supported: the stable actions this server
// offers, sorted.
func (o ManagementOptions) ActionsSupported() []string {
	actions := []string{ActionProfile, ActionDevicesList, ActionDeviceView, ActionDeviceDelete, ActionCrossSigningReset}
	if o.DeactivationAllowed {
		actions = append(actions, ActionAccountDeactivate)
	}
	slices.Sort(actions)
	return actions
}

// Management serves the account management pages: the signed-in user's profile, devices,
// password, browser sessions, cross-signing reset approval and deactivation.
type Management struct {
	*Pages
	// Homeserver is told about every change, so the homeserver follows (nil: standalone).
	Homeserver *provision.Syncer
	Options    ManagementOptions
}

// accountHandler is a page handler that runs for a signed-in user.
type accountHandler func(w http.ResponseWriter, r *http.Request, cur session.Current)

// Mount registers the pages on mux. Like the sign-in forms, every POST passes
// http.CrossOriginProtection before its CSRF token is checked.
func (m *Management) Mount(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(m.Forbidden))
	page := func(path string, on bool, h accountHandler) {
		mux.Handle("GET "+path, m.offered(on, m.signedIn(h)))
	}
	form := func(path string, on bool, back string, h accountHandler) {
		mux.Handle("POST "+path, m.offered(on, cop.Handler(m.signedInForm(back, h))))
	}
	o := m.Options
	mux.HandleFunc("GET "+strings.TrimSuffix(PathAccount, "/"), m.addSlash)
	page(PathAccount+"{$}", true, m.home)
	page(PathAccountProfile, true, m.profileForm)
	form(PathAccountProfile, o.DisplayNameChangeAllowed, "", m.saveProfile)
	page(PathAccountDevices, true, m.devices)
	page(PathAccountDevice, true, m.device)
	page(PathAccountDeviceDelete, true, m.deviceDeleteForm)
	form(PathAccountDeviceDelete, true, "", m.deleteDevice)
	page(PathAccountPassword, o.PasswordChangeAllowed, m.passwordForm)
	form(PathAccountPassword, o.PasswordChangeAllowed, "", m.changePassword)
	page(PathAccountDeactivate, o.DeactivationAllowed, m.deactivateForm)
	form(PathAccountDeactivate, o.DeactivationAllowed, "", m.deactivate)
	page(PathAccountCrossSigningReset, true, m.crossSigningResetForm)
	form(PathAccountCrossSigningReset, true, "", m.allowCrossSigningReset)
	page(PathAccountBrowsers, true, m.browsers)
	form(PathAccountBrowsersEnd, true, PathAccountBrowsers, m.endBrowser)
	form(PathAccountBrowsersEndOthers, true, PathAccountBrowsers, m.endOtherBrowsers)
}

// addSlash sends /account to /account/, keeping a deep link's query: the discovery document
// names the URI with its slash, but people and clients trim it.
func (m *Management) addSlash(w http.ResponseWriter, r *http.Request) {
	target := m.local(PathAccount)
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// offered answers 404 with a readable page for a feature the operator switched off.
func (m *Management) offered(on bool, h http.Handler) http.Handler {
	if on {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.errorPage(w, r, http.StatusNotFound, msgNotFound, msgFeatureDisabled)
	})
}

// signedIn runs h for the signed-in user; anyone else goes to the sign-in page, which comes
// back here afterwards.
func (m *Management) signedIn(h accountHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if cur, ok := m.currentUser(w, r, r.URL); ok {
			h(w, r, cur)
		}
	}
}

// signedInForm checks a form post (readable, CSRF token) and runs h for the signed-in user.
// Whose session expired while the form was open signs in again and comes back to the form's
// page: back, or the form's own URL when back is empty. The check order puts the CSRF token
// first, so a forged post learns nothing about the session.
func (m *Management) signedInForm(back string, h accountHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			m.errorPage(w, r, http.StatusBadRequest, msgBadRequest, msgFormUnreadable)
			return
		}
		if !m.Browser.CheckCSRF(r) {
			m.Forbidden(w, r)
			return
		}
		after := r.URL
		if back != "" {
			after = &url.URL{Path: back}
		}
		if cur, ok := m.currentUser(w, r, after); ok {
			h(w, r, cur)
		}
	})
}

// currentUser returns the signed-in user. Without one it answers with a 303 to the sign-in
// page whose next is after (a route path with its query), and returns false.
func (m *Management) currentUser(w http.ResponseWriter, r *http.Request, after *url.URL) (session.Current, bool) {
	cur, err := m.Browser.Lookup(r)
	switch {
	case err == nil:
		return cur, true
	case errors.Is(err, session.ErrNoSession):
		next := m.local(after.EscapedPath())
		if after.RawQuery != "" {
			next += "?" + after.RawQuery
		}
		target := m.local(PathLogin)
		// safeNext keeps the sign-in page from becoming an open redirect; what it refuses
		// (a mangled query) just loses the way back.
		if next = m.safeNext(next); next != "" {
			target += "?" + url.Values{"next": {next}}.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	default:
		m.serverError(w, r, err)
	}
	return session.Current{}, false
}

// deepLink is where an action sends the browser (R83, R84), or "" for the home page: an
// unknown action, or one this server does not offer, is not an error (R85).
func (m *Management) deepLink(action, deviceID string) string {
	if len(deviceID) > oauth2.MaxDeviceIDLength {
		deviceID = "" // no device has it; the list is the closest page
	}
	withDevice := func(path string) string {
		if deviceID == "" {
			return m.local(PathAccountDevices)
		}
		return m.local(path) + "?" + url.Values{paramDeviceID: {deviceID}}.Encode()
	}
	switch deepLinkActions[action] {
	case ActionProfile:
		return m.local(PathAccountProfile)
	case ActionDevicesList:
		return m.local(PathAccountDevices)
	case ActionDeviceView:
		return withDevice(PathAccountDevice)
	case ActionDeviceDelete:
		return withDevice(PathAccountDeviceDelete)
	case ActionAccountDeactivate:
		if m.Options.DeactivationAllowed {
			return m.local(PathAccountDeactivate)
		}
	case ActionCrossSigningReset:
		return m.local(PathAccountCrossSigningReset)
	}
	return ""
}

// csrfToken returns the token for the page's forms; on failure it has answered with 500.
func (m *Management) csrfToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	token, err := m.Browser.CSRFToken(w, r)
	if err != nil {
		m.serverError(w, r, err)
		return "", false
	}
	return token, true
}

// userID is the user's Matrix ID on this server.
func (m *Management) userID(username string) string { return "@" + username + ":" + m.ServerName }

// seeOther finishes a form with a 303 to a page (Post/Redirect/Get, so a reload does not post
// again); done, if not empty, tells the page what happened.
func (m *Management) seeOther(w http.ResponseWriter, r *http.Request, path string, done url.Values) {
	target := m.local(path)
	if len(done) > 0 {
		target += "?" + done.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// Message ids of the account pages' errors and notices.
const (
	msgNotFound        = "StatusNotFound"
	msgFeatureDisabled = "AccountFeatureDisabled"
	paramDone          = "done"
)

// message is a Message without data.
func message(id string) i18n.Message { return i18n.Message{ID: id} }
