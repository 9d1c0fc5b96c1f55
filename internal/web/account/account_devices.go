package account

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/session"
)

const doneDeviceEnded = "device_ended"

// devices lists every active OAuth session of the user, newest first (MSC4191
// org.matrix.devices_list). Each session is one Matrix device.
func (m *Management) devices(w http.ResponseWriter, r *http.Request, cur session.Current) {
	sessions, err := m.Store.Sessions().ListActiveByUser(r.Context(), cur.User.ID)
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	slices.SortStableFunc(sessions, func(a, b model.Session) int { return b.CreatedAt.Compare(a.CreatedAt) })
	views, err := m.deviceViews(r, sessions)
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	page := template.AccountDevicesPage{Layout: m.layout(r), HomeHref: m.local(PathAccount), Devices: views}
	q := r.URL.Query()
	if q.Get(paramDone) == doneDeviceEnded {
		page.Notice = i18n.Message{ID: "AccountDeviceEnded", Data: map[string]any{"DeviceID": q.Get(paramDeviceID)}}
	}
	m.render(w, r, http.StatusOK, page)
}

// device shows one device (org.matrix.device_view).
func (m *Management) device(w http.ResponseWriter, r *http.Request, cur session.Current) {
	m.showDevice(w, r, http.StatusOK, cur, template.AccountDevicePage{})
}

// deviceDeleteForm explains what signing a device out does and asks for the password
// (org.matrix.device_delete). Nothing happens until the form is sent (R86).
func (m *Management) deviceDeleteForm(w http.ResponseWriter, r *http.Request, cur session.Current) {
	m.showDevice(w, r, http.StatusOK, cur, template.AccountDevicePage{Confirm: true})
}

// showDevice renders the page of the device named by the device_id query parameter, or a 404
// page when the user has no such active device. page carries Confirm and the errors.
func (m *Management) showDevice(w http.ResponseWriter, r *http.Request, status int, cur session.Current, page template.AccountDevicePage) {
	deviceID := r.URL.Query().Get(paramDeviceID)
	sessions, ok := m.deviceSessions(w, r, cur, deviceID)
	if !ok {
		return
	}
	views, err := m.deviceViews(r, sessions[:1])
	if err != nil {
		m.serverError(w, r, err)
		return
	}
	csrf, ok := m.csrfToken(w, r)
	if !ok {
		return
	}
	page.Layout, page.HomeHref, page.DevicesHref = m.layout(r), m.local(PathAccount), m.local(PathAccountDevices)
	page.Device, page.CSRFToken, page.Username = views[0], csrf, cur.User.Username
	page.Action = views[0].DeleteHref
	m.render(w, r, status, page)
}

// deleteDevice ends the device's session after the password is entered again: its tokens stop
// working at once (introspection reports them inactive), and the homeserver deletes the device.
func (m *Management) deleteDevice(w http.ResponseWriter, r *http.Request, cur session.Current) {
	deviceID := r.URL.Query().Get(paramDeviceID)
	sessions, ok := m.deviceSessions(w, r, cur, deviceID)
	if !ok {
		return
	}
	fieldError, answered := m.reauthenticate(w, r, cur.User, r.PostForm.Get(template.FieldPassword))
	if answered {
		return
	}
	if !fieldError.IsZero() {
		m.showDevice(w, r, http.StatusBadRequest, cur, template.AccountDevicePage{
			Confirm: true, Errors: template.FieldErrors{template.FieldPassword: fieldError},
		})
		return
	}
	ctx := r.Context()
	now := m.Clock.Now()
	for _, s := range sessions {
		if err := m.Store.Sessions().End(ctx, s.ID, now); err != nil {
			m.serverError(w, r, err)
			return
		}
	}
	if err := m.Homeserver.SessionsEnded(ctx, cur.User.ID); err != nil {
		m.Logger.Error("scheduling the homeserver's device deletion", "user_id", cur.User.ID, "err", err)
	}
	m.seeOther(w, r, PathAccountDevices, url.Values{paramDone: {doneDeviceEnded}, paramDeviceID: {deviceID}})
}

// deviceSessions returns the user's active sessions on deviceID (one, unless a login is
// racing its predecessor's end). With none it answers a 404 page and returns false.
func (m *Management) deviceSessions(w http.ResponseWriter, r *http.Request, cur session.Current, deviceID string) ([]model.Session, bool) {
	sessions, err := m.Store.Sessions().ListActiveByUser(r.Context(), cur.User.ID)
	if err != nil {
		m.serverError(w, r, err)
		return nil, false
	}
	sessions = slices.DeleteFunc(sessions, func(s model.Session) bool { return deviceID == "" || s.DeviceID != deviceID })
	if len(sessions) == 0 {
		m.errorPage(w, r, http.StatusNotFound, "AccountDeviceNotFoundTitle", "AccountDeviceNotFound")
		return nil, false
	}
	return sessions, true
}

// deviceViews describes sessions for the pages, each client read once.
func (m *Management) deviceViews(r *http.Request, sessions []model.Session) ([]template.DeviceView, error) {
	lang, now := m.language(r), m.Clock.Now()
	acceptLanguage := r.Header.Get("Accept-Language")
	clients := map[string]template.ClientView{}
	views := make([]template.DeviceView, 0, len(sessions))
	for _, s := range sessions {
		client, seen := clients[s.ClientID]
		if !seen {
			var err error
			if client, err = m.clientOf(r.Context(), s.ClientID, acceptLanguage); err != nil {
				return nil, err
			}
			clients[s.ClientID] = client
		}
		device := url.Values{paramDeviceID: {s.DeviceID}}.Encode()
		views = append(views, template.DeviceView{
			DeviceID: s.DeviceID, Client: client,
			Created: timeView(lang, s.CreatedAt, now), LastActive: timeView(lang, s.LastActiveAt, now),
			LastIP: s.LastActiveIP, UserAgent: shortUserAgent(s.UserAgent), FullUserAgent: s.UserAgent,
			ViewHref: m.local(PathAccountDevice) + "?" + device, DeleteHref: m.local(PathAccountDeviceDelete) + "?" + device,
		})
	}
	return views, nil
}

// clientOf is the view of a session's client; a client that is gone is shown unnamed.
func (m *Management) clientOf(ctx context.Context, clientID, acceptLanguage string) (template.ClientView, error) {
	c, err := m.Store.Clients().Get(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return template.ClientView{}, nil
	}
	if err != nil {
		return template.ClientView{}, err
	}
	return deviceClientView(c, acceptLanguage), nil
}
