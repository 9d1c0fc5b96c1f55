package account

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/session"
)

const (
	doneBrowserEnded = "browser_ended"
	doneOthersEnded  = "others_ended"
	paramCount       = "count"
)

// browsers lists the browsers signed in to these pages, the current one marked, each with a
// "sign out" button, and one to sign out all the others.
func (m *Management) browsers(w http.ResponseWriter, r *http.Request, cur session.Current) {
	now := m.Clock.Now()
	list, err := m.Store.BrowserSessions().ListActiveByUser(r.Context(), cur.User.ID, now)
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	csrf, ok := m.csrfToken(w, r)
	if !ok {
		return
	}
	lang := m.language(r)
	views := make([]template.BrowserSessionView, 0, len(list))
	for _, bs := range list {
		views = append(views, template.BrowserSessionView{
			ID: bs.ID, Current: bs.ID == cur.Session.ID,
			Created: timeView(lang, bs.CreatedAt, now), LastAuthenticated: timeView(lang, bs.AuthenticatedAt, now),
			IP: bs.IP, UserAgent: shortUserAgent(bs.UserAgent), FullUserAgent: bs.UserAgent,
		})
	}
	m.render(w, r, http.StatusOK, template.AccountBrowsersPage{
		Layout: m.layout(r), HomeHref: m.local(PathAccount), Sessions: views,
		EndAction: m.local(PathAccountBrowsersEnd), EndOthersAction: m.local(PathAccountBrowsersEndOthers),
		LogoutAction: m.local(PathLogout), CSRFToken: csrf, Notice: browsersNotice(r.URL.Query()),
	})
}

// browsersNotice says what the last form did, from the query of the redirect after it.
func browsersNotice(q url.Values) i18n.Message {
	switch q.Get(paramDone) {
	case doneBrowserEnded:
		return message("AccountBrowserEnded")
	case doneOthersEnded:
		n, err := strconv.Atoi(q.Get(paramCount))
		if err != nil || n < 0 {
			return i18n.Message{}
		}
		return i18n.Message{ID: "AccountBrowsersOthersEnded", Data: map[string]any{"Count": n}}
	}
	return i18n.Message{}
}

// endBrowser signs out one of the user's other browsers. A session that is not theirs, not
// active, or the current one (which signs out with the sign-out form) is left alone.
func (m *Management) endBrowser(w http.ResponseWriter, r *http.Request, cur session.Current) {
	id := r.PostForm.Get(template.FieldBrowserSession)
	ctx := r.Context()
	now := m.Clock.Now()
	list, err := m.Store.BrowserSessions().ListActiveByUser(ctx, cur.User.ID, now)
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	theirs := slices.ContainsFunc(list, func(bs model.BrowserSession) bool { return bs.ID == id })
	if !theirs || id == cur.Session.ID {
		m.seeOther(w, r, PathAccountBrowsers, nil)
		return
	}
	if err := m.Store.BrowserSessions().End(ctx, id, now); err != nil {
		m.serverError(w, r, err)
		return
	}
	m.seeOther(w, r, PathAccountBrowsers, url.Values{paramDone: {doneBrowserEnded}})
}

// endOtherBrowsers signs out every browser of the user but this one.
func (m *Management) endOtherBrowsers(w http.ResponseWriter, r *http.Request, cur session.Current) {
	n, err := m.Store.BrowserSessions().EndAllByUser(r.Context(), cur.User.ID, cur.Session.ID, m.Clock.Now())
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	m.seeOther(w, r, PathAccountBrowsers, url.Values{paramDone: {doneOthersEnded}, paramCount: {strconv.Itoa(n)}})
}
