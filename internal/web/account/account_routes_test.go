package account

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/password"
)

func TestActionsSupported(t *testing.T) {
	t.Parallel()
	all := []string{ActionAccountDeactivate, ActionCrossSigningReset, ActionDeviceDelete, ActionDeviceView, ActionDevicesList, ActionProfile}
	if diff := cmp.Diff(all, ManagementOptions{DeactivationAllowed: true}.ActionsSupported()); diff != "" {
		t.Errorf("with deactivation (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all[1:], ManagementOptions{}.ActionsSupported()); diff != "" {
		t.Errorf("without deactivation (-want +got):\n%s", diff)
	}
}

// TestDeepLink covers R83–R85 for every action name, stable and legacy, under a path prefix.
func TestDeepLink(t *testing.T) {
	t.Parallel()
	m := &Management{Pages: &Pages{Prefix: "/auth"}, Options: ManagementOptions{DeactivationAllowed: true}}
	off := &Management{Pages: &Pages{Prefix: "/auth"}}
	const device = "QR+dev/ice="
	const deviceQuery = "?device_id=QR%2Bdev%2Fice%3D"
	tests := []struct {
		m              *Management
		action, device string
		want           string
	}{
		{m, "org.matrix.profile", "", "/auth/account/profile"},
		{m, "profile", device, "/auth/account/profile"},
		{m, "org.matrix.devices_list", "", "/auth/account/devices"},
		{m, "org.matrix.sessions_list", "", "/auth/account/devices"},
		{m, "sessions_list", "", "/auth/account/devices"},
		{m, "org.matrix.device_view", device, "/auth/account/devices/view" + deviceQuery},
		{m, "org.matrix.session_view", device, "/auth/account/devices/view" + deviceQuery},
		{m, "session_view", device, "/auth/account/devices/view" + deviceQuery},
		{m, "org.matrix.device_view", "", "/auth/account/devices"},
		{m, "org.matrix.device_delete", device, "/auth/account/devices/delete" + deviceQuery},
		{m, "org.matrix.session_end", device, "/auth/account/devices/delete" + deviceQuery},
		{m, "session_end", device, "/auth/account/devices/delete" + deviceQuery},
		{m, "org.matrix.device_delete", "", "/auth/account/devices"},
		{m, "org.matrix.device_delete", strings.Repeat("D", 256), "/auth/account/devices"},
		{m, "org.matrix.device_delete", "..", "/auth/account/devices/delete?device_id=.."},
		{m, "org.matrix.account_deactivate", "", "/auth/account/deactivate"},
		{off, "org.matrix.account_deactivate", "", ""},
		{m, "org.matrix.cross_signing_reset", "", "/auth/account/cross-signing-reset"},
		{m, "", "", ""},
		{m, "org.matrix.plan_management", "", ""},
		{m, "ORG.MATRIX.PROFILE", "", ""},
		{m, "m.unknown", device, ""},
	}
	for _, tc := range tests {
		if got := tc.m.deepLink(tc.action, tc.device); got != tc.want {
			t.Errorf("deepLink(%q, %q) = %q, want %q", tc.action, tc.device, got, tc.want)
		}
	}
}

func TestCheckDisplayName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want string
	}{
		{"Alice", ""},
		{"Ålice 🐈 ‮evil", ""},
		{strings.Repeat("ä", MaxDisplayNameLength), ""},
		{"", "AccountDisplayNameMissing"},
		{strings.Repeat("ä", MaxDisplayNameLength+1), "AccountDisplayNameTooLong"},
		{"Ali\nce", "AccountDisplayNameInvalid"},
		{"Ali\x00ce", "AccountDisplayNameInvalid"},
		{"Ali\x1b[31mce", "AccountDisplayNameInvalid"},
		{"Ali\xffce", "AccountDisplayNameInvalid"},
	}
	for _, tc := range tests {
		if got := checkDisplayName(tc.name); got.ID != tc.want {
			t.Errorf("checkDisplayName(%q) = %v, want %q", tc.name, got, tc.want)
		}
	}
	if got := checkDisplayName(strings.Repeat("x", 300)); !cmp.Equal(got.Data, map[string]any{"Max": MaxDisplayNameLength}) {
		t.Errorf("too long: data %v", got.Data)
	}
}

// TestAccountMessagesExist translates, in every language, each message the account handlers
// build in Go (the templates' own ids are checked by the template package), with the data the
// handlers give it.
func TestAccountMessagesExist(t *testing.T) {
	t.Parallel()
	bundle, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	msgs := []i18n.Message{
		message(msgNotFound), message(msgFeatureDisabled), message(msgPasswordMissing), message(msgPasswordWrong),
		message("AccountDeviceNotFoundTitle"), message("AccountDeviceNotFound"), message("AccountDisplayNameSaved"),
		message("AccountPasswordChanged"), message("AccountNewPasswordMissing"), message("AccountNewPasswordMismatch"),
		message("AccountBrowserEnded"), browsersNotice(url.Values{paramDone: {doneOthersEnded}, paramCount: {"3"}}),
		{ID: "AccountDeviceEnded", Data: map[string]any{"DeviceID": "ABC"}},
		{ID: "AccountDeactivateConfirmWrong", Data: map[string]any{"Username": "alice"}},
		checkDisplayName(""), checkDisplayName("\n"), checkDisplayName(strings.Repeat("x", 300)),
		relativeTime(0), relativeTime(time.Minute), relativeTime(time.Hour), relativeTime(48 * time.Hour),
		message(msgTimeFormat),
	}
	for _, r := range []password.Reason{password.TooShort, password.TooLong, password.SameAsUsername, password.Common, 0} {
		msgs = append(msgs, rejectionMessage(&password.Rejection{Reason: r, MinLength: 8}))
	}
	for _, lang := range bundle.Languages() {
		for _, m := range msgs {
			if text, err := lang.Text(m); err != nil || text == "" {
				t.Errorf("%s %v: %q, %v", lang.Tag(), m, text, err)
			}
		}
	}
	if got := browsersNotice(url.Values{paramDone: {doneOthersEnded}, paramCount: {"-1"}}); !got.IsZero() {
		t.Errorf("a negative count gives the notice %v", got)
	}
}
