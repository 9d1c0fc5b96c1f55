package account

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/session"
)

// MaxDisplayNameLength is the longest display name accepted, in characters: Synapse's
// MAX_DISPLAYNAME_LEN, so that every name saved here reaches the homeserver.
const MaxDisplayNameLength = 256

const doneProfileSaved = "saved"

// profileForm shows the profile (MSC4191 org.matrix.profile): the Matrix ID and the display
// name, editable when the operator allows it.
func (m *Management) profileForm(w http.ResponseWriter, r *http.Request, cur session.Current) {
	page := template.AccountProfilePage{DisplayName: cur.User.DisplayName}
	if r.URL.Query().Get(paramDone) == doneProfileSaved {
		page.Notice = message("AccountDisplayNameSaved")
	}
	m.showProfile(w, r, http.StatusOK, cur, page)
}

// showProfile renders the profile page; page carries the name, errors and notice.
func (m *Management) showProfile(w http.ResponseWriter, r *http.Request, status int, cur session.Current, page template.AccountProfilePage) {
	csrf, ok := m.csrfToken(w, r)
	if !ok {
		return
	}
	page.Layout, page.HomeHref, page.UserID = m.layout(r), m.local(PathAccount), m.userID(cur.User.Username)
	page.Editable, page.Action, page.CSRFToken = m.Options.DisplayNameChangeAllowed, m.local(PathAccountProfile), csrf
	page.MaxDisplayName = MaxDisplayNameLength
	m.render(w, r, status, page)
}

// saveProfile stores a new display name and passes it on to the homeserver.
func (m *Management) saveProfile(w http.ResponseWriter, r *http.Request, cur session.Current) {
	typed := r.PostForm.Get(template.FieldDisplayName)
	name := strings.TrimSpace(typed)
	if msg := checkDisplayName(name); !msg.IsZero() {
		m.showProfile(w, r, http.StatusBadRequest, cur, template.AccountProfilePage{
			DisplayName: strings.ToValidUTF8(typed, "\uFFFD"),
			Errors:      template.FieldErrors{template.FieldDisplayName: msg},
		})
		return
	}
	ctx := r.Context()
	if name != cur.User.DisplayName {
		if err := m.Store.Users().SetDisplayName(ctx, cur.User.ID, name); err != nil {
			m.serverError(w, r, err)
			return
		}
		if err := m.Homeserver.UserChanged(ctx, cur.User.ID); err != nil {
			m.Logger.Error("scheduling the homeserver update of a display name", "user_id", cur.User.ID, "err", err)
		}
	}
	m.seeOther(w, r, PathAccountProfile, url.Values{paramDone: {doneProfileSaved}})
}

// checkDisplayName says what is wrong with a (trimmed) display name, or returns the zero
// Message. An empty name is refused rather than cleared: the homeserver keeps the last name it
// was given (provision leaves an empty one alone), and the two would disagree.
func checkDisplayName(name string) i18n.Message {
	switch {
	case name == "":
		return message("AccountDisplayNameMissing")
	case !utf8.ValidString(name) || strings.IndexFunc(name, unshowable) >= 0:
		return message("AccountDisplayNameInvalid")
	case utf8.RuneCountInString(name) > MaxDisplayNameLength:
		return i18n.Message{ID: "AccountDisplayNameTooLong", Data: map[string]any{"Max": MaxDisplayNameLength}}
	}
	return i18n.Message{}
}

// unshowable reports characters a name must not hold: control characters (line breaks, NUL,
// escape sequences) and the Unicode replacement for bytes that were not UTF-8.
func unshowable(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }
