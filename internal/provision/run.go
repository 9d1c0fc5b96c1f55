package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/mxauth/mxauth/internal/matrix"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// run does one job: it reads the user's current state and makes the homeserver match it.
func (s *Syncer) run(ctx context.Context, j model.Job) error {
	p, err := decodePayload(j.Payload)
	if err != nil {
		return fmt.Errorf("%w: %v", errPermanent, err)
	}
	u, err := s.store.Users().Get(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // nothing left to reconcile
	}
	if err != nil {
		return err
	}
	switch j.Kind {
	case KindProvisionUser:
		return s.reconcileUser(ctx, u)
	case KindSyncDevices:
		return s.syncDevices(ctx, u)
	case KindCrossSigningReset:
		if !s.clock.Now().Before(u.CrossSigningResetAllowedUntil) {
			return nil // the approval expired before it could be passed on
		}
		return s.hs.AllowCrossSigningReset(ctx, u.Username)
	default:
		return fmt.Errorf("%w: unknown job kind %q", errPermanent, j.Kind)
	}
}

// reconcileUser deactivates a deactivated user on the homeserver (which also removes their
// devices there), and creates or updates anyone else.
func (s *Syncer) reconcileUser(ctx context.Context, u model.User) error {
	if !u.DeactivatedAt.IsZero() {
		err := s.hs.DeleteUser(ctx, u.Username, false)
		if errors.Is(err, matrix.ErrUserNotFound) {
			return nil // never provisioned: nothing to deactivate
		}
		return err
	}
	return s.provisionUser(ctx, u)
}

// provisionUser creates the user on the homeserver, or updates their display name and lock.
// An empty display name is left alone, so the homeserver's default (the localpart) stays.
func (s *Syncer) provisionUser(ctx context.Context, u model.User) error {
	locked := !u.LockedAt.IsZero()
	req := matrix.ProvisionUser{Localpart: u.Username, Locked: &locked}
	if u.DisplayName != "" {
		name := u.DisplayName
		req.SetDisplayName = &name
	}
	created, err := s.hs.ProvisionUser(ctx, req)
	if err != nil {
		return fmt.Errorf("provision: provision_user: %w", err)
	}
	if created {
		s.log.Info("user provisioned on the homeserver", "user_id", u.ID)
	}
	return nil
}

// syncDevices makes the homeserver's devices of the user those of their active sessions.
func (s *Syncer) syncDevices(ctx context.Context, u model.User) error {
	if !u.DeactivatedAt.IsZero() {
		return s.reconcileUser(ctx, u)
	}
	sessions, err := s.store.Sessions().ListActiveByUser(ctx, u.ID)
	if err != nil {
		return err
	}
	devices := make([]string, 0, len(sessions))
	for _, sess := range sessions {
		devices = append(devices, sess.DeviceID)
	}
	err = s.hs.SyncDevices(ctx, u.Username, devices)
	if errors.Is(err, matrix.ErrUserNotFound) {
		if len(devices) == 0 {
			return nil // an unknown user has no devices to delete
		}
		if err := s.provisionUser(ctx, u); err != nil {
			return err
		}
		err = s.hs.SyncDevices(ctx, u.Username, devices)
	}
	if err != nil {
		return fmt.Errorf("provision: sync_devices: %w", err)
	}
	return nil
}
