package synapsetest

import (
	"maps"
	"slices"
	"time"
)

// crossSigningReplacementWindow is how long allow_cross_signing_reset lets the master key be
// replaced without UIA (REPLACEMENT_PERIOD_MS in synapse/rest/synapse/mas/users.py).
const crossSigningReplacementWindow = 10 * time.Minute

// User is a snapshot of a user as the stand-in holds it. Empty strings are absent values:
// Synapse stores an empty display name or avatar as none.
type User struct {
	UserID      string
	DisplayName string
	AvatarURL   string
	Emails      []string // sorted
	Locked      bool
	Suspended   bool
	Deactivated bool
	Erased      bool
}

type device struct {
	displayName string
	dehydrated  bool // MSC3814: sync_devices leaves it alone
}

type userState struct {
	displayName, avatarURL           string
	emails                           map[string]bool
	locked, suspended                bool
	deactivated, erased              bool
	devices                          map[string]*device
	crossSigning                     map[string]string // key type ("master", ...) → compact JSON
	masterReplaceableWithoutUIAUntil time.Time
}

func newUserState(localpart string) *userState {
	// register_user: the display name defaults to the localpart.
	return &userState{displayName: localpart, emails: map[string]bool{}, devices: map[string]*device{},
		crossSigning: map[string]string{}}
}

func (s *Server) userID(localpart string) string { return "@" + localpart + ":" + s.serverName }

func (s *Server) snapshot(localpart string, u *userState) User {
	return User{
		UserID: s.userID(localpart), DisplayName: u.displayName, AvatarURL: u.avatarURL,
		Emails: slices.Sorted(maps.Keys(u.emails)), Locked: u.locked, Suspended: u.suspended,
		Deactivated: u.deactivated, Erased: u.erased,
	}
}

// User returns the user with this localpart, if they exist.
func (s *Server) User(localpart string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[localpart]
	if !ok {
		return User{}, false
	}
	return s.snapshot(localpart, u), true
}

// Users returns the localparts of every user, sorted.
func (s *Server) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.users))
}

// Devices returns the IDs of the user's devices, sorted (nil for an unknown user).
func (s *Server) Devices(localpart string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[localpart]
	if !ok {
		return nil
	}
	return slices.Sorted(maps.Keys(u.devices))
}

// DeviceDisplayName returns a device's display name and whether the device exists.
func (s *Server) DeviceDisplayName(localpart, deviceID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[localpart]; ok {
		if d, ok := u.devices[deviceID]; ok {
			return d.displayName, true
		}
	}
	return "", false
}

// AllowedCrossSigningReset reports whether the user may replace their master cross-signing
// key without UIA now, that is whether allow_cross_signing_reset was called less than ten
// minutes ago (by the clock) while they had a master key.
func (s *Server) AllowedCrossSigningReset(localpart string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[localpart]
	return ok && s.clock.Now().Before(u.masterReplaceableWithoutUIAUntil)
}

// HasMasterKey reports whether the user has uploaded a master cross-signing key.
func (s *Server) HasMasterKey(localpart string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[localpart]
	return ok && u.crossSigning["master"] != ""
}

// AddUser creates a user directly, as if registered before MAS took over. It reports false
// if the user already existed.
func (s *Server) AddUser(localpart string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[localpart]; ok {
		return false
	}
	s.users[localpart] = newUserState(localpart)
	return true
}

// AddDevice gives an existing user a device; it reports false if the user does not exist.
func (s *Server) AddDevice(localpart, deviceID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[localpart]
	if ok && u.devices[deviceID] == nil {
		u.devices[deviceID] = &device{}
	}
	return ok
}

// MarkDehydrated makes deviceID the user's dehydrated device (MSC3814), creating it if
// needed, as a client's dehydration upload would. It reports false if the user does not exist.
func (s *Server) MarkDehydrated(localpart, deviceID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[localpart]
	if !ok {
		return false
	}
	if u.devices[deviceID] == nil {
		u.devices[deviceID] = &device{}
	}
	u.devices[deviceID].dehydrated = true
	return true
}

// SetSuspended sets the user's suspension (an admin action in Synapse; query_user reports
// it). It reports false if the user does not exist.
func (s *Server) SetSuspended(localpart string, suspended bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[localpart]
	if ok {
		u.suspended = suspended
	}
	return ok
}

// MarkExclusive reserves localparts for an application service: check_username answers
// M_EXCLUSIVE for them.
func (s *Server) MarkExclusive(localparts ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, lp := range localparts {
		s.exclusive[lp] = true
	}
}
