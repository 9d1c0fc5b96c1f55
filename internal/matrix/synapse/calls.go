package synapse

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mxauth/mxauth/internal/matrix"
)

// The calls below follow the table of SYNAPSE.md §1.3 (synapse/rest/synapse/mas/*): their
// request bodies are Pydantic models that forbid unknown fields, so each sends exactly the
// named fields and omits the optional ones that are unset.

type localpartBody struct {
	Localpart string `json:"localpart"`
}

// QueryUser calls GET query_user (200, or 404 M_NOT_FOUND → matrix.ErrUserNotFound).
func (cl *Client) QueryUser(ctx context.Context, localpart string) (matrix.UserInfo, error) {
	var answer struct {
		UserID        string  `json:"user_id"`
		DisplayName   *string `json:"display_name"`
		AvatarURL     *string `json:"avatar_url"`
		IsSuspended   bool    `json:"is_suspended"`
		IsDeactivated bool    `json:"is_deactivated"`
	}
	_, err := cl.do(ctx, call{method: http.MethodGet, name: "query_user", localpart: localpart,
		accept: []int{http.StatusOK}, answer: &answer, userCall: true})
	if err != nil {
		return matrix.UserInfo{}, err
	}
	info := matrix.UserInfo{UserID: answer.UserID, IsSuspended: answer.IsSuspended, IsDeactivated: answer.IsDeactivated}
	if answer.DisplayName != nil {
		info.DisplayName = *answer.DisplayName
	}
	if answer.AvatarURL != nil {
		info.AvatarURL = *answer.AvatarURL
	}
	return info, nil
}

// provisionBody is the provision_user body. `omitzero` omits the false unset_X flags: Synapse
// rejects a set_X and an unset_X key together even when the unset_X is false.
type provisionBody struct {
	Localpart        string   `json:"localpart"`
	SetDisplayName   *string  `json:"set_displayname,omitzero"`
	UnsetDisplayName bool     `json:"unset_displayname,omitzero"`
	SetAvatarURL     *string  `json:"set_avatar_url,omitzero"`
	UnsetAvatarURL   bool     `json:"unset_avatar_url,omitzero"`
	SetEmails        []string `json:"set_emails,omitzero"` // nil omitted, [] sent
	UnsetEmails      bool     `json:"unset_emails,omitzero"`
	Locked           *bool    `json:"locked,omitzero"`
}

// ProvisionUser calls POST provision_user: 201 when Synapse created the user, 200 when it
// updated them.
func (cl *Client) ProvisionUser(ctx context.Context, req matrix.ProvisionUser) (bool, error) {
	if conflict := req.Conflict(); conflict != "" {
		return false, fmt.Errorf("synapse provision_user: set_%s and unset_%s together", conflict, conflict)
	}
	body := provisionBody{
		Localpart:      req.Localpart,
		SetDisplayName: req.SetDisplayName, UnsetDisplayName: req.UnsetDisplayName,
		SetAvatarURL: req.SetAvatarURL, UnsetAvatarURL: req.UnsetAvatarURL,
		SetEmails: req.SetEmails, UnsetEmails: req.UnsetEmails,
		Locked: req.Locked,
	}
	status, err := cl.do(ctx, call{method: http.MethodPost, name: "provision_user", body: body,
		accept: []int{http.StatusCreated, http.StatusOK}})
	return status == http.StatusCreated, err
}

// unavailableCodes are the answers MAS reads as "taken" (SYNAPSE.md §1.3).
var unavailableCodes = map[string]bool{"M_INVALID_USERNAME": true, "M_USER_IN_USE": true, "M_EXCLUSIVE": true}

// IsLocalpartAvailable calls GET is_localpart_available. Like MAS, it answers false without
// asking for a localpart that is not ASCII: no Matrix localpart can contain such characters.
func (cl *Client) IsLocalpartAvailable(ctx context.Context, localpart string) (bool, error) {
	for i := 0; i < len(localpart); i++ {
		if localpart[i] >= 0x80 {
			return false, nil
		}
	}
	_, err := cl.do(ctx, call{method: http.MethodGet, name: "is_localpart_available", localpart: localpart,
		accept: []int{http.StatusOK}})
	var merr *matrix.Error
	if errors.As(err, &merr) && merr.Status >= 400 && merr.Status < 500 && unavailableCodes[merr.ErrCode] {
		return false, nil
	}
	return err == nil, err
}

// DeleteUser calls POST delete_user (Synapse deactivates the account; erase marks it erased).
func (cl *Client) DeleteUser(ctx context.Context, localpart string, erase bool) error {
	body := struct {
		Localpart string `json:"localpart"`
		Erase     bool   `json:"erase"`
	}{localpart, erase}
	return cl.post(ctx, "delete_user", body, http.StatusOK)
}

// ReactivateUser calls POST reactivate_user.
func (cl *Client) ReactivateUser(ctx context.Context, localpart string) error {
	return cl.post(ctx, "reactivate_user", localpartBody{localpart}, http.StatusOK)
}

// SetDisplayName calls POST set_displayname.
func (cl *Client) SetDisplayName(ctx context.Context, localpart, displayName string) error {
	body := struct {
		Localpart   string `json:"localpart"`
		DisplayName string `json:"displayname"`
	}{localpart, displayName}
	return cl.post(ctx, "set_displayname", body, http.StatusOK)
}

// UnsetDisplayName calls POST unset_displayname.
func (cl *Client) UnsetDisplayName(ctx context.Context, localpart string) error {
	return cl.post(ctx, "unset_displayname", localpartBody{localpart}, http.StatusOK)
}

// AllowCrossSigningReset calls POST allow_cross_signing_reset.
func (cl *Client) AllowCrossSigningReset(ctx context.Context, localpart string) error {
	return cl.post(ctx, "allow_cross_signing_reset", localpartBody{localpart}, http.StatusOK)
}

// UpsertDevice calls POST upsert_device: 201 when Synapse inserted the device, 200 when it
// existed. An empty displayName is omitted, leaving the device's name as it is.
func (cl *Client) UpsertDevice(ctx context.Context, localpart, deviceID, displayName string) (bool, error) {
	body := struct {
		Localpart   string `json:"localpart"`
		DeviceID    string `json:"device_id"`
		DisplayName string `json:"display_name,omitempty"`
	}{localpart, deviceID, displayName}
	status, err := cl.do(ctx, call{method: http.MethodPost, name: "upsert_device", body: body,
		accept: []int{http.StatusCreated, http.StatusOK}, userCall: true})
	return status == http.StatusCreated, err
}

// DeleteDevice calls POST delete_device (204).
func (cl *Client) DeleteDevice(ctx context.Context, localpart, deviceID string) error {
	body := struct {
		Localpart string `json:"localpart"`
		DeviceID  string `json:"device_id"`
	}{localpart, deviceID}
	return cl.post(ctx, "delete_device", body, http.StatusNoContent)
}

// UpdateDeviceDisplayName calls POST update_device_display_name. Synapse answers 404 for an
// unknown device too, so only its "User not found" answer maps to matrix.ErrUserNotFound.
func (cl *Client) UpdateDeviceDisplayName(ctx context.Context, localpart, deviceID, displayName string) error {
	body := struct {
		Localpart   string `json:"localpart"`
		DeviceID    string `json:"device_id"`
		DisplayName string `json:"display_name"`
	}{localpart, deviceID, displayName}
	_, err := cl.do(ctx, call{method: http.MethodPost, name: "update_device_display_name", body: body,
		accept: []int{http.StatusOK}})
	var merr *matrix.Error
	if errors.As(err, &merr) && merr.Status == http.StatusNotFound && merr.Message == "User not found" {
		return fmt.Errorf("%w: %w", matrix.ErrUserNotFound, err)
	}
	return err
}

// SyncDevices calls POST sync_devices. A nil list is sent as [] (Synapse rejects null).
func (cl *Client) SyncDevices(ctx context.Context, localpart string, deviceIDs []string) error {
	if deviceIDs == nil {
		deviceIDs = []string{}
	}
	body := struct {
		Localpart string   `json:"localpart"`
		Devices   []string `json:"devices"`
	}{localpart, deviceIDs}
	return cl.post(ctx, "sync_devices", body, http.StatusOK)
}

// post sends a call whose only success is one status and whose 404 means a missing user.
func (cl *Client) post(ctx context.Context, name string, body any, success int) error {
	_, err := cl.do(ctx, call{method: http.MethodPost, name: name, body: body, accept: []int{success}, userCall: true})
	return err
}
