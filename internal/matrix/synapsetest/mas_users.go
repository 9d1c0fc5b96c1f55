package synapsetest

import (
	"fmt"
	"net/http"
)

// Profile limits enforced by ProfileHandler (synapse/handlers/profile.py).
const (
	maxDisplayNameLength = 256
	maxAvatarURLLength   = 1000
)

type masRoute struct {
	method  string
	handler handler
}

// masRoutes is the table of SYNAPSE.md §1.3, by name below /_synapse/mas/.
func (s *Server) masRoutes() map[string]masRoute {
	return map[string]masRoute{
		"query_user":                 {http.MethodGet, s.queryUser},
		"provision_user":             {http.MethodPost, s.provisionUser},
		"is_localpart_available":     {http.MethodGet, s.isLocalpartAvailable},
		"delete_user":                {http.MethodPost, s.deleteUser},
		"reactivate_user":            {http.MethodPost, s.reactivateUser},
		"set_displayname":            {http.MethodPost, s.setDisplayName},
		"unset_displayname":          {http.MethodPost, s.unsetDisplayName},
		"allow_cross_signing_reset":  {http.MethodPost, s.allowCrossSigningReset},
		"upsert_device":              {http.MethodPost, s.upsertDevice},
		"delete_device":              {http.MethodPost, s.deleteDevice},
		"update_device_display_name": {http.MethodPost, s.updateDeviceDisplayName},
		"sync_devices":               {http.MethodPost, s.syncDevices},
	}
}

var (
	localpartOnly = model{fields: []field{{name: "localpart", kind: strictStr, required: true}}}

	provisionModel = model{
		fields: []field{
			{name: "localpart", kind: strictStr, required: true},
			{name: "unset_displayname", kind: strictBool},
			{name: "set_displayname", kind: strictStr, nullable: true},
			{name: "unset_avatar_url", kind: strictBool},
			{name: "set_avatar_url", kind: strictStr, nullable: true},
			{name: "unset_emails", kind: strictBool},
			{name: "set_emails", kind: strictStrList, nullable: true},
			{name: "locked", kind: strictBool, nullable: true},
		},
		exclusive: [][2]string{
			{"unset_displayname", "set_displayname"},
			{"unset_avatar_url", "set_avatar_url"},
			{"unset_emails", "set_emails"},
		},
	}

	deleteUserModel = model{fields: []field{
		{name: "localpart", kind: strictStr, required: true},
		{name: "erase", kind: strictBool, required: true},
	}}

	setDisplayNameModel = model{fields: []field{
		{name: "localpart", kind: strictStr, required: true},
		{name: "displayname", kind: strictStr, required: true},
	}}
)

func userNotFound() *apiError { return newError(http.StatusNotFound, codeNotFound, "User not found") }

// queryLocalpart reads the localpart query parameter (parse_string, required=True).
func queryLocalpart(r *http.Request) (string, *apiError) {
	values, ok := r.URL.Query()["localpart"]
	if !ok {
		return "", newError(http.StatusBadRequest, codeMissingParam, "Missing string query parameter 'localpart'")
	}
	return values[0], nil
}

func (s *Server) queryUser(w http.ResponseWriter, r *http.Request) *apiError {
	localpart, err := queryLocalpart(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	u, ok := s.users[localpart]
	var answer map[string]any
	if ok {
		answer = map[string]any{
			"user_id": s.userID(localpart), "display_name": nullable(u.displayName),
			"avatar_url": nullable(u.avatarURL), "is_suspended": u.suspended, "is_deactivated": u.deactivated,
		}
	}
	s.mu.Unlock()
	if !ok {
		return userNotFound()
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}

// nullable is how Synapse's profile store returns an empty value: null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// provisionUser creates the user (register_user: check_username, display name defaulting
// to the localpart, emails bound) → 201, or updates their profile and emails → 200. The
// avatar and the locked flag apply in both cases. Unlike Synapse, which fails half-way, it
// checks the profile limits before changing anything.
func (s *Server) provisionUser(w http.ResponseWriter, r *http.Request) *apiError {
	b, err := decode(r, provisionModel)
	if err != nil {
		return err
	}
	localpart, _ := b.str("localpart")
	displayName, setDisplayName := b.str("set_displayname")
	avatar, setAvatar := b.str("set_avatar_url")
	emails, setEmails := b.strList("set_emails")
	if err := checkProfile(displayName, avatar); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, exists := s.users[localpart]
	if !exists {
		if err := s.checkUsername(localpart); err != nil {
			return err
		}
		u = newUserState(localpart)
		if setDisplayName {
			u.displayName = displayName
		}
		for _, email := range emails {
			u.emails[email] = true
		}
		s.users[localpart] = u
	} else {
		if unset, _ := b.boolean("unset_displayname"); unset {
			u.displayName = ""
		} else if setDisplayName {
			u.displayName = displayName
		}
		if unset, _ := b.boolean("unset_emails"); unset {
			clear(u.emails)
		} else if setEmails {
			u.emails = map[string]bool{}
			for _, email := range emails {
				u.emails[email] = true
			}
		}
	}
	if unset, _ := b.boolean("unset_avatar_url"); unset {
		u.avatarURL = ""
	} else if setAvatar {
		u.avatarURL = avatar
	}
	if locked, given := b.boolean("locked"); given {
		u.locked = locked
	}
	status := http.StatusOK
	if !exists {
		status = http.StatusCreated
	}
	writeEmpty(w, status)
	return nil
}

func checkProfile(displayName, avatarURL string) *apiError {
	if len([]rune(displayName)) > maxDisplayNameLength {
		return newError(http.StatusBadRequest, codeUnknown, fmt.Sprintf("Displayname is too long (max %d)", maxDisplayNameLength))
	}
	if len([]rune(avatarURL)) > maxAvatarURLLength {
		return newError(http.StatusBadRequest, codeUnknown, fmt.Sprintf("Avatar URL is too long (max %d)", maxAvatarURLLength))
	}
	return nil
}

func (s *Server) isLocalpartAvailable(w http.ResponseWriter, r *http.Request) *apiError {
	values, ok := r.URL.Query()["localpart"]
	if !ok {
		return newError(http.StatusBadRequest, codeUnknown, "Missing localpart")
	}
	s.mu.Lock()
	err := s.checkUsername(values[0])
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeEmpty(w, http.StatusOK)
	return nil
}

// withUser decodes a body, then runs change on its existing user under the lock; a missing
// user is 404 "User not found", as every user-taking call of §1.3 answers.
func (s *Server) withUser(w http.ResponseWriter, r *http.Request, m model, status int,
	change func(b body, localpart string, u *userState) *apiError) *apiError {
	b, err := decode(r, m)
	if err != nil {
		return err
	}
	localpart, _ := b.str("localpart")
	s.mu.Lock()
	u, ok := s.users[localpart]
	if !ok {
		s.mu.Unlock()
		return userNotFound()
	}
	err = change(b, localpart, u)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeEmpty(w, status)
	return nil
}

// deleteUser is deactivate_account: devices and emails go; erasing also clears the profile.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, deleteUserModel, http.StatusOK, func(b body, _ string, u *userState) *apiError {
		u.deactivated = true
		clear(u.devices)
		clear(u.emails)
		if erase, _ := b.boolean("erase"); erase {
			u.erased = true
			u.displayName, u.avatarURL = "", ""
		}
		return nil
	})
}

// reactivateUser is activate_account, which also unmarks an erased user.
func (s *Server) reactivateUser(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, localpartOnly, http.StatusOK, func(_ body, _ string, u *userState) *apiError {
		u.deactivated, u.erased = false, false
		return nil
	})
}

func (s *Server) setDisplayName(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, setDisplayNameModel, http.StatusOK, func(b body, _ string, u *userState) *apiError {
		name, _ := b.str("displayname")
		if err := checkProfile(name, ""); err != nil {
			return err
		}
		u.displayName = name
		return nil
	})
}

func (s *Server) unsetDisplayName(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, localpartOnly, http.StatusOK, func(_ body, _ string, u *userState) *apiError {
		u.displayName = ""
		return nil
	})
}

// allowCrossSigningReset marks the master key replaceable without UIA for ten minutes.
// Like Synapse's store call, it changes nothing (and still answers 200) when the user has no
// master key yet.
func (s *Server) allowCrossSigningReset(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, localpartOnly, http.StatusOK, func(_ body, _ string, u *userState) *apiError {
		if u.crossSigning["master"] != "" {
			u.masterReplaceableWithoutUIAUntil = s.clock.Now().Add(crossSigningReplacementWindow)
		}
		return nil
	})
}
