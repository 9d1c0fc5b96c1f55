package matrix

import (
	"context"
	"errors"
	"testing"
)

func TestStandalone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var hs Homeserver = Standalone{}

	if _, err := hs.QueryUser(ctx, "alice"); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("QueryUser error = %v, want ErrUserNotFound", err)
	}
	if ok, err := hs.IsLocalpartAvailable(ctx, "alice"); !ok || err != nil {
		t.Errorf("IsLocalpartAvailable = %v, %v; want true, nil", ok, err)
	}
	if created, err := hs.ProvisionUser(ctx, ProvisionUser{Localpart: "alice"}); created || err != nil {
		t.Errorf("ProvisionUser = %v, %v; want false, nil", created, err)
	}
	if created, err := hs.UpsertDevice(ctx, "alice", "DEV", "Phone"); created || err != nil {
		t.Errorf("UpsertDevice = %v, %v; want false, nil", created, err)
	}
	for name, call := range map[string]func() error{
		"DeleteUser":              func() error { return hs.DeleteUser(ctx, "alice", true) },
		"ReactivateUser":          func() error { return hs.ReactivateUser(ctx, "alice") },
		"SetDisplayName":          func() error { return hs.SetDisplayName(ctx, "alice", "Alice") },
		"UnsetDisplayName":        func() error { return hs.UnsetDisplayName(ctx, "alice") },
		"AllowCrossSigningReset":  func() error { return hs.AllowCrossSigningReset(ctx, "alice") },
		"DeleteDevice":            func() error { return hs.DeleteDevice(ctx, "alice", "DEV") },
		"UpdateDeviceDisplayName": func() error { return hs.UpdateDeviceDisplayName(ctx, "alice", "DEV", "x") },
		"SyncDevices":             func() error { return hs.SyncDevices(ctx, "alice", nil) },
	} {
		if err := call(); err != nil {
			t.Errorf("%s = %v, want nil", name, err)
		}
	}
}
