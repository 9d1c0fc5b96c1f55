package account

import (
	"net/http"

	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/session"
)

// home is the account_management_uri. A deep link (?action=..., MSC4191) goes on to its page
// with a 303, keeping device_id; anything else shows the home page: who is signed in, and the
// sections.
func (m *Management) home(w http.ResponseWriter, r *http.Request, cur session.Current) {
	q := r.URL.Query()
	if target := m.deepLink(q.Get(paramAction), q.Get(paramDeviceID)); target != "" {
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	csrf, ok := m.csrfToken(w, r)
	if !ok {
		return
	}
	m.render(w, r, http.StatusOK, template.AccountHomePage{
		Layout: m.layout(r), UserID: m.userID(cur.User.Username), DisplayName: cur.User.DisplayName,
		Links: m.sections(), LogoutAction: m.local(PathLogout), CSRFToken: csrf,
	})
}

// sections are the home page's links, without the pages the operator switched off.
func (m *Management) sections() []template.AccountLink {
	link := func(path, label string) template.AccountLink {
		return template.AccountLink{Href: m.local(path), Label: label, Hint: message(label + "Hint")}
	}
	links := []template.AccountLink{
		link(PathAccountProfile, "AccountLinkProfile"),
		link(PathAccountDevices, "AccountLinkDevices"),
	}
	if m.Options.PasswordChangeAllowed {
		links = append(links, link(PathAccountPassword, "AccountLinkPassword"))
	}
	links = append(links,
		link(PathAccountBrowsers, "AccountLinkBrowsers"),
		link(PathAccountCrossSigningReset, "AccountLinkCrossSigning"))
	if m.Options.DeactivationAllowed {
		links = append(links, link(PathAccountDeactivate, "AccountLinkDeactivate"))
	}
	return links
}
