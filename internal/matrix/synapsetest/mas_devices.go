package synapsetest

import (
	"fmt"
	"net/http"
)

// maxDeviceDisplayNameLength is MAX_DEVICE_DISPLAY_NAME_LEN (synapse/handlers/device.py).
const maxDeviceDisplayNameLength = 100

var (
	upsertDeviceModel = model{fields: []field{
		{name: "localpart", kind: strictStr, required: true},
		{name: "device_id", kind: strictStr, required: true},
		{name: "display_name", kind: strictStr, nullable: true},
	}}
	deleteDeviceModel = model{fields: []field{
		{name: "localpart", kind: strictStr, required: true},
		{name: "device_id", kind: strictStr, required: true},
	}}
	renameDeviceModel = model{fields: []field{
		{name: "localpart", kind: strictStr, required: true},
		{name: "device_id", kind: strictStr, required: true},
		{name: "display_name", kind: strictStr, required: true},
	}}
	syncDevicesModel = model{fields: []field{
		{name: "localpart", kind: strictStr, required: true},
		{name: "devices", kind: strictStrList, required: true},
	}}
)

// upsertDevice inserts the device → 201, or renames it when a display name is given → 200.
func (s *Server) upsertDevice(w http.ResponseWriter, r *http.Request) *apiError {
	b, err := decode(r, upsertDeviceModel)
	if err != nil {
		return err
	}
	localpart, _ := b.str("localpart")
	deviceID, _ := b.str("device_id")
	name, named := b.str("display_name")
	s.mu.Lock()
	u, ok := s.users[localpart]
	var inserted bool
	if ok {
		d := u.devices[deviceID]
		if inserted = d == nil; inserted {
			u.devices[deviceID] = &device{displayName: name}
		} else if named {
			d.displayName = name
		}
	}
	s.mu.Unlock()
	if !ok {
		return userNotFound()
	}
	status := http.StatusOK
	if inserted {
		status = http.StatusCreated
	}
	writeEmpty(w, status)
	return nil
}

// deleteDevice is delete_devices for one device: a missing device is not an error. 204.
func (s *Server) deleteDevice(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, deleteDeviceModel, http.StatusNoContent, func(b body, _ string, u *userState) *apiError {
		deviceID, _ := b.str("device_id")
		delete(u.devices, deviceID)
		return nil
	})
}

// updateDeviceDisplayName is DeviceHandler.update_device: an unknown device is a bare
// NotFoundError ("Not found"), a long name M_TOO_LARGE.
func (s *Server) updateDeviceDisplayName(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, renameDeviceModel, http.StatusOK, func(b body, _ string, u *userState) *apiError {
		deviceID, _ := b.str("device_id")
		name, _ := b.str("display_name")
		if len([]rune(name)) > maxDeviceDisplayNameLength {
			return newError(http.StatusBadRequest, codeTooLarge,
				fmt.Sprintf("Device display name is too long (max %d)", maxDeviceDisplayNameLength))
		}
		d, ok := u.devices[deviceID]
		if !ok {
			return newError(http.StatusNotFound, codeNotFound, "Not found")
		}
		d.displayName = name
		return nil
	})
}

// syncDevices deletes the devices not listed, except a dehydrated one (MSC3814, Synapse
// 1.156), and creates the listed ones that are missing.
func (s *Server) syncDevices(w http.ResponseWriter, r *http.Request) *apiError {
	return s.withUser(w, r, syncDevicesModel, http.StatusOK, func(b body, _ string, u *userState) *apiError {
		listed, _ := b.strList("devices")
		keep := map[string]bool{}
		for _, id := range listed {
			keep[id] = true
			if u.devices[id] == nil {
				u.devices[id] = &device{}
			}
		}
		for id, d := range u.devices {
			if !keep[id] && !d.dehydrated {
				delete(u.devices, id)
			}
		}
		return nil
	})
}
