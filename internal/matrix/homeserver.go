package matrix

import "context"

// Homeserver is what mxauth asks of the homeserver (SYNAPSE.md §1.3). Every method is
// idempotent, so a failed call can be retried by a background job.
type Homeserver interface {
	// QueryUser returns the homeserver's view of a user, or an error matching ErrUserNotFound.
	QueryUser(ctx context.Context, localpart string) (UserInfo, error)
	// ProvisionUser creates the user or updates them; created reports which (201 vs 200).
	ProvisionUser(ctx context.Context, req ProvisionUser) (created bool, err error)
	// IsLocalpartAvailable is false (and the error nil) when the homeserver answers
	// M_INVALID_USERNAME, M_USER_IN_USE or M_EXCLUSIVE, and false without a call for a
	// non-ASCII localpart, as MAS does.
	IsLocalpartAvailable(ctx context.Context, localpart string) (bool, error)
	// DeleteUser deactivates the user; erase also marks them GDPR-erased.
	DeleteUser(ctx context.Context, localpart string, erase bool) error
	// ReactivateUser undoes DeleteUser.
	ReactivateUser(ctx context.Context, localpart string) error
	SetDisplayName(ctx context.Context, localpart, displayName string) error
	UnsetDisplayName(ctx context.Context, localpart string) error
	// AllowCrossSigningReset opens the homeserver's 10-minute window in which the user may
	// replace their master cross-signing key without user-interactive auth.
	AllowCrossSigningReset(ctx context.Context, localpart string) error
	// UpsertDevice creates the device or updates its display name ("" leaves it as it is);
	// created reports which (201 vs 200).
	UpsertDevice(ctx context.Context, localpart, deviceID, displayName string) (created bool, err error)
	DeleteDevice(ctx context.Context, localpart, deviceID string) error
	UpdateDeviceDisplayName(ctx context.Context, localpart, deviceID, displayName string) error
	// SyncDevices makes the user's device list exactly deviceIDs (the homeserver keeps a
	// dehydrated device regardless).
	SyncDevices(ctx context.Context, localpart string, deviceIDs []string) error
}

// UserInfo is the homeserver's answer to QueryUser. Empty strings stand for absent values:
// Synapse stores "" as no display name / avatar (null on the wire).
type UserInfo struct {
	UserID        string
	DisplayName   string
	AvatarURL     string
	IsSuspended   bool
	IsDeactivated bool
}

// ProvisionUser mirrors the provision_user body (SYNAPSE.md §1.3); nil pointers are omitted
// from the JSON. Setting and unsetting the same attribute is rejected, as Synapse rejects it.
type ProvisionUser struct {
	Localpart string

	SetDisplayName   *string
	UnsetDisplayName bool

	SetAvatarURL   *string
	UnsetAvatarURL bool

	// SetEmails nil means "leave the emails alone"; an empty non-nil slice removes them all.
	SetEmails   []string
	UnsetEmails bool

	// Locked nil leaves the homeserver's copy of the locked flag as it is.
	Locked *bool
}

// Conflict names the first attribute that is both set and unset, or "" when req is coherent.
func (req ProvisionUser) Conflict() string {
	switch {
	case req.SetDisplayName != nil && req.UnsetDisplayName:
		return "displayname"
	case req.SetAvatarURL != nil && req.UnsetAvatarURL:
		return "avatar_url"
	case req.SetEmails != nil && req.UnsetEmails:
		return "emails"
	}
	return ""
}
