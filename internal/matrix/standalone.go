package matrix

import "context"

// Standalone is the Homeserver for `matrix.kind: none`: mxauth running without a homeserver
// (an OpenID provider only). There is nothing to provision, so every call succeeds and does
// nothing; every localpart is available (mxauth's own store decides); no user exists on the
// absent homeserver, so QueryUser answers ErrUserNotFound; and nothing is ever created, so
// the created results are false.
type Standalone struct{}

var _ Homeserver = Standalone{}

func (Standalone) QueryUser(context.Context, string) (UserInfo, error) {
	return UserInfo{}, ErrUserNotFound
}

func (Standalone) ProvisionUser(context.Context, ProvisionUser) (bool, error) { return false, nil }

func (Standalone) IsLocalpartAvailable(context.Context, string) (bool, error) { return true, nil }

func (Standalone) DeleteUser(context.Context, string, bool) error { return nil }

func (Standalone) ReactivateUser(context.Context, string) error { return nil }

func (Standalone) SetDisplayName(context.Context, string, string) error { return nil }

func (Standalone) UnsetDisplayName(context.Context, string) error { return nil }

func (Standalone) AllowCrossSigningReset(context.Context, string) error { return nil }

func (Standalone) UpsertDevice(context.Context, string, string, string) (bool, error) {
	return false, nil
}

func (Standalone) DeleteDevice(context.Context, string, string) error { return nil }

func (Standalone) UpdateDeviceDisplayName(context.Context, string, string, string) error {
	return nil
}

func (Standalone) SyncDevices(context.Context, string, []string) error { return nil }
