package synapsetest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

// TestStrictValidation checks that bodies are refused where Synapse's strict Pydantic
// models refuse them, with Synapse's status and errcode.
func TestStrictValidation(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.AddUser("alice")
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantErrcode      string
	}{
		{"unknown field", "provision_user", `{"localpart":"bob","admin":true}`, 400, "M_BAD_JSON"},
		{"locked as a string", "provision_user", `{"localpart":"bob","locked":"yes"}`, 400, "M_BAD_JSON"},
		{"localpart as a number", "provision_user", `{"localpart":7}`, 400, "M_BAD_JSON"},
		{"email list with a number", "provision_user", `{"localpart":"bob","set_emails":["a@b.c",1]}`, 400, "M_BAD_JSON"},
		{"email string not list", "provision_user", `{"localpart":"bob","set_emails":"a@b.c"}`, 400, "M_BAD_JSON"},
		{"unset flag as 1", "provision_user", `{"localpart":"bob","unset_emails":1}`, 400, "M_BAD_JSON"},
		{"unset flag null", "provision_user", `{"localpart":"bob","unset_emails":null}`, 400, "M_BAD_JSON"},
		{"set and unset display name", "provision_user", `{"localpart":"alice","set_displayname":"A","unset_displayname":true}`, 400, "M_BAD_JSON"},
		{"set and unset false", "provision_user", `{"localpart":"alice","set_avatar_url":"mxc://a/b","unset_avatar_url":false}`, 400, "M_BAD_JSON"},
		{"set null and unset emails", "provision_user", `{"localpart":"alice","set_emails":null,"unset_emails":true}`, 400, "M_BAD_JSON"},
		{"missing localpart", "provision_user", `{"set_displayname":"A"}`, 400, "M_BAD_JSON"},
		{"null localpart", "reactivate_user", `{"localpart":null}`, 400, "M_BAD_JSON"},
		{"missing erase", "delete_user", `{"localpart":"alice"}`, 400, "M_BAD_JSON"},
		{"erase as string", "delete_user", `{"localpart":"alice","erase":"true"}`, 400, "M_BAD_JSON"},
		{"missing devices", "sync_devices", `{"localpart":"alice"}`, 400, "M_BAD_JSON"},
		{"devices null", "sync_devices", `{"localpart":"alice","devices":null}`, 400, "M_BAD_JSON"},
		{"missing device display name", "update_device_display_name", `{"localpart":"alice","device_id":"D"}`, 400, "M_BAD_JSON"},
		{"unknown field on set_displayname", "set_displayname", `{"localpart":"alice","displayname":"A","x":1}`, 400, "M_BAD_JSON"},
		{"not JSON", "reactivate_user", `{"localpart":`, 400, "M_NOT_JSON"},
		{"empty body", "reactivate_user", ` `, 400, "M_NOT_JSON"},
		{"invalid UTF-8", "reactivate_user", "{\"localpart\":\"\xff\"}", 400, "M_NOT_JSON"},
		{"array body", "reactivate_user", `["alice"]`, 400, "M_BAD_JSON"},
		{"null body", "reactivate_user", `null`, 400, "M_BAD_JSON"},
		{"invalid characters on create", "provision_user", `{"localpart":"Bob"}`, 400, "M_INVALID_USERNAME"},
		{"numeric localpart on create", "provision_user", `{"localpart":"1_000"}`, 400, "M_INVALID_USERNAME"},
		{"underscore first on create", "provision_user", `{"localpart":"_bot"}`, 400, "M_INVALID_USERNAME"},
		{"null optional is fine", "provision_user", `{"localpart":"alice","set_displayname":null,"locked":null}`, 200, ""},
		{"display name too long", "set_displayname", `{"localpart":"alice","displayname":"` + strings.Repeat("é", 257) + `"}`, 400, "M_UNKNOWN"},
		{"display name at the limit", "set_displayname", `{"localpart":"alice","displayname":"` + strings.Repeat("é", 256) + `"}`, 200, ""},
		{"device name too long", "update_device_display_name", `{"localpart":"alice","device_id":"D","display_name":"` + strings.Repeat("x", 101) + `"}`, 400, "M_TOO_LARGE"},
		{"unknown device", "update_device_display_name", `{"localpart":"alice","device_id":"NOPE","display_name":"x"}`, 404, "M_NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, answer := mas(t, hs, tt.path, tt.body)
			if status != tt.wantStatus || errcode(answer) != tt.wantErrcode {
				t.Errorf("%s %s = %d %v, want %d %s", tt.path, tt.body, status, answer, tt.wantStatus, tt.wantErrcode)
			}
		})
	}
}

// TestMASAccess checks the shared-secret guard and the query parameters.
func TestMASAccess(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.AddUser("alice")
	base := hs.URL()
	tests := []struct {
		name, method, path, bearer, body string
		wantStatus                       int
		wantErrcode                      string
	}{
		{"wrong secret", "POST", "/_synapse/mas/reactivate_user", "not-the-secret", `{"localpart":"alice"}`, 403, "M_UNKNOWN"},
		{"a user's token", "GET", "/_synapse/mas/query_user?localpart=alice", "mat_token", "", 403, "M_UNKNOWN"},
		{"no token", "POST", "/_synapse/mas/reactivate_user", "", `{"localpart":"alice"}`, 401, "M_MISSING_TOKEN"},
		{"secret checked before the body", "POST", "/_synapse/mas/provision_user", "wrong", `not json`, 403, "M_UNKNOWN"},
		{"query without localpart", "GET", "/_synapse/mas/query_user", secret, "", 400, "M_MISSING_PARAM"},
		{"availability without localpart", "GET", "/_synapse/mas/is_localpart_available", secret, "", 400, "M_UNKNOWN"},
		{"query unknown user", "GET", "/_synapse/mas/query_user?localpart=bob", secret, "", 404, "M_NOT_FOUND"},
		{"query with the secret as parameter", "GET", "/_synapse/mas/query_user?localpart=alice&access_token=" + secret, "", "", 200, ""},
		{"wrong method", "GET", "/_synapse/mas/provision_user", secret, "", 405, "M_UNRECOGNIZED"},
		{"unknown MAS path", "POST", "/_synapse/mas/provision_users", secret, `{}`, 404, "M_UNRECOGNIZED"},
		{"unknown client path", "GET", "/_matrix/client/v3/login", "", "", 404, "M_UNRECOGNIZED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, answer, _ := send(t, tt.method, base+tt.path, tt.bearer, tt.body)
			if status != tt.wantStatus || errcode(answer) != tt.wantErrcode {
				t.Errorf("%s %s = %d %v, want %d %s", tt.method, tt.path, status, answer, tt.wantStatus, tt.wantErrcode)
			}
		})
	}
}

// TestMissingUser checks that every call that takes an existing user answers 404.
func TestMissingUser(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	for name, body := range map[string]string{
		"delete_user":                `{"localpart":"ghost","erase":false}`,
		"reactivate_user":            `{"localpart":"ghost"}`,
		"set_displayname":            `{"localpart":"ghost","displayname":"G"}`,
		"unset_displayname":          `{"localpart":"ghost"}`,
		"allow_cross_signing_reset":  `{"localpart":"ghost"}`,
		"upsert_device":              `{"localpart":"ghost","device_id":"D"}`,
		"delete_device":              `{"localpart":"ghost","device_id":"D"}`,
		"update_device_display_name": `{"localpart":"ghost","device_id":"D","display_name":"x"}`,
		"sync_devices":               `{"localpart":"ghost","devices":[]}`,
	} {
		status, answer := mas(t, hs, name, body)
		if status != http.StatusNotFound || errcode(answer) != "M_NOT_FOUND" || answer["error"] != "User not found" {
			t.Errorf("%s = %d %v, want 404 M_NOT_FOUND User not found", name, status, answer)
		}
	}
	if users := hs.Users(); len(users) != 0 {
		t.Errorf("users = %v, want none", users)
	}
}

func TestIsLocalpartAvailable(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.AddUser("alice")
	hs.MarkExclusive("telegram_1")
	tests := []struct {
		localpart   string
		wantStatus  int
		wantErrcode string
	}{
		{"bob", 200, ""},
		{"b.o_b=/+-1", 200, ""},
		{"alice", 400, "M_USER_IN_USE"},
		{"telegram_1", 400, "M_EXCLUSIVE"},
		{"Alice", 400, "M_INVALID_USERNAME"},
		{"al ice", 400, "M_INVALID_USERNAME"},
		{"", 400, "M_INVALID_USERNAME"},
		{"_x", 400, "M_INVALID_USERNAME"},
		{"12345", 400, "M_INVALID_USERNAME"},
		{"-5", 400, "M_INVALID_USERNAME"},
		{"1_2", 400, "M_INVALID_USERNAME"},
		{"1__2", 200, ""},
		{strings.Repeat("a", 255-len("@:example.org")), 200, ""},
		{strings.Repeat("a", 256-len("@:example.org")), 400, "M_INVALID_USERNAME"},
	}
	for _, tt := range tests {
		t.Run(tt.localpart, func(t *testing.T) {
			t.Parallel()
			status, answer, _ := send(t, "GET", hs.URL()+"/_synapse/mas/is_localpart_available?localpart="+url.QueryEscape(tt.localpart), secret, "")
			if status != tt.wantStatus || errcode(answer) != tt.wantErrcode {
				t.Errorf("is_localpart_available(%q) = %d %v, want %d %s", tt.localpart, status, answer, tt.wantStatus, tt.wantErrcode)
			}
		})
	}
}

func TestProvisionUser(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	steps := []struct {
		body       string
		wantStatus int
		want       synapsetest.User
	}{
		{`{"localpart":"alice"}`, 201, synapsetest.User{UserID: "@alice:example.org", DisplayName: "alice"}},
		{`{"localpart":"alice","set_displayname":"Alice","set_avatar_url":"mxc://x/y","set_emails":["b@x.org","a@x.org"],"locked":true}`, 200,
			synapsetest.User{UserID: "@alice:example.org", DisplayName: "Alice", AvatarURL: "mxc://x/y", Emails: []string{"a@x.org", "b@x.org"}, Locked: true}},
		{`{"localpart":"alice","set_emails":["c@x.org"],"locked":false}`, 200,
			synapsetest.User{UserID: "@alice:example.org", DisplayName: "Alice", AvatarURL: "mxc://x/y", Emails: []string{"c@x.org"}}},
		{`{"localpart":"alice","unset_displayname":true,"unset_avatar_url":true,"unset_emails":true}`, 200,
			synapsetest.User{UserID: "@alice:example.org"}},
	}
	for i, step := range steps {
		status, answer := mas(t, hs, "provision_user", step.body)
		if status != step.wantStatus || len(answer) != 0 {
			t.Fatalf("step %d: provision_user = %d %v, want %d {}", i, status, answer, step.wantStatus)
		}
		got, _ := hs.User("alice")
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("step %d: user (-want +got):\n%s", i, diff)
		}
	}

	// A new user takes the given display name, avatar and emails at once.
	status, _ := mas(t, hs, "provision_user", `{"localpart":"bob","set_displayname":"Bob","set_avatar_url":"mxc://b","set_emails":["bob@x.org"],"locked":true}`)
	got, _ := hs.User("bob")
	want := synapsetest.User{UserID: "@bob:example.org", DisplayName: "Bob", AvatarURL: "mxc://b", Emails: []string{"bob@x.org"}, Locked: true}
	if diff := cmp.Diff(want, got); status != 201 || diff != "" {
		t.Errorf("new bob: status %d, user (-want +got):\n%s", status, diff)
	}

	status, answer := mas(t, hs, "query_user?localpart=bob", "")
	wantAnswer := map[string]any{"user_id": "@bob:example.org", "display_name": "Bob", "avatar_url": "mxc://b", "is_suspended": false, "is_deactivated": false}
	if diff := cmp.Diff(wantAnswer, answer); status != 200 || diff != "" {
		t.Errorf("query_user: status %d, answer (-want +got):\n%s", status, diff)
	}
	status, answer = mas(t, hs, "query_user?localpart=alice", "")
	if status != 200 || answer["display_name"] != nil || answer["avatar_url"] != nil {
		t.Errorf("query_user alice = %d %v, want null display name and avatar", status, answer)
	}
}

func TestDeactivation(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	mas(t, hs, "provision_user", `{"localpart":"alice","set_displayname":"Alice","set_emails":["a@x.org"]}`)
	mas(t, hs, "upsert_device", `{"localpart":"alice","device_id":"D1"}`)
	mas(t, hs, "provision_user", `{"localpart":"bob","set_displayname":"Bob"}`)

	if status, _ := mas(t, hs, "delete_user", `{"localpart":"alice","erase":false}`); status != 200 {
		t.Fatalf("delete_user = %d", status)
	}
	if status, _ := mas(t, hs, "delete_user", `{"localpart":"bob","erase":true}`); status != 200 {
		t.Fatalf("delete_user erase = %d", status)
	}
	alice, _ := hs.User("alice")
	bob, _ := hs.User("bob")
	wantAlice := synapsetest.User{UserID: "@alice:example.org", DisplayName: "Alice", Deactivated: true}
	wantBob := synapsetest.User{UserID: "@bob:example.org", Deactivated: true, Erased: true}
	if diff := cmp.Diff([]synapsetest.User{wantAlice, wantBob}, []synapsetest.User{alice, bob}); diff != "" {
		t.Errorf("after delete_user (-want +got):\n%s", diff)
	}
	if devices := hs.Devices("alice"); len(devices) != 0 {
		t.Errorf("devices after deactivation = %v", devices)
	}
	if _, answer := mas(t, hs, "query_user?localpart=alice", ""); answer["is_deactivated"] != true {
		t.Errorf("query_user after deactivation = %v", answer)
	}
	// Still taken, as Synapse never frees a user ID.
	if status, answer := mas(t, hs, "is_localpart_available?localpart=bob", ""); status != 400 || errcode(answer) != "M_USER_IN_USE" {
		t.Errorf("is_localpart_available(bob) = %d %v", status, answer)
	}
	// Deleting again is idempotent.
	if status, _ := mas(t, hs, "delete_user", `{"localpart":"bob","erase":true}`); status != 200 {
		t.Errorf("second delete_user = %d", status)
	}
	mas(t, hs, "reactivate_user", `{"localpart":"bob"}`)
	bob, _ = hs.User("bob")
	if bob.Deactivated || bob.Erased {
		t.Errorf("after reactivate_user: %+v", bob)
	}
}

func TestDevices(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.AddUser("alice")
	steps := []struct {
		path, body  string
		wantStatus  int
		wantDevices []string
	}{
		{"upsert_device", `{"localpart":"alice","device_id":"D1","display_name":"Phone"}`, 201, []string{"D1"}},
		{"upsert_device", `{"localpart":"alice","device_id":"D1"}`, 200, []string{"D1"}},
		{"upsert_device", `{"localpart":"alice","device_id":"D2","display_name":null}`, 201, []string{"D1", "D2"}},
		{"update_device_display_name", `{"localpart":"alice","device_id":"D2","display_name":"Laptop"}`, 200, []string{"D1", "D2"}},
		{"delete_device", `{"localpart":"alice","device_id":"D1"}`, 204, []string{"D2"}},
		{"delete_device", `{"localpart":"alice","device_id":"D1"}`, 204, []string{"D2"}},
		{"sync_devices", `{"localpart":"alice","devices":["D3","D4","D4"]}`, 200, []string{"D3", "D4"}},
		{"sync_devices", `{"localpart":"alice","devices":[]}`, 200, []string{}},
	}
	for i, step := range steps {
		status, _ := mas(t, hs, step.path, step.body)
		if status != step.wantStatus {
			t.Fatalf("step %d: %s = %d, want %d", i, step.path, status, step.wantStatus)
		}
		got := hs.Devices("alice")
		if got == nil {
			got = []string{}
		}
		if diff := cmp.Diff(step.wantDevices, got); diff != "" {
			t.Fatalf("step %d: devices (-want +got):\n%s", i, diff)
		}
		if i == 1 {
			if name, _ := hs.DeviceDisplayName("alice", "D1"); name != "Phone" {
				t.Errorf("an upsert without a name renamed D1 to %q", name)
			}
		}
		if i == 3 {
			if name, _ := hs.DeviceDisplayName("alice", "D2"); name != "Laptop" {
				t.Errorf("D2 is named %q, want Laptop", name)
			}
		}
	}

	// sync_devices keeps the dehydrated device (MSC3814).
	hs.MarkDehydrated("alice", "DEHYDRATED")
	mas(t, hs, "upsert_device", `{"localpart":"alice","device_id":"OLD"}`)
	mas(t, hs, "sync_devices", `{"localpart":"alice","devices":["NEW"]}`)
	if diff := cmp.Diff([]string{"DEHYDRATED", "NEW"}, hs.Devices("alice")); diff != "" {
		t.Errorf("after sync with a dehydrated device (-want +got):\n%s", diff)
	}
	if status, _ := mas(t, hs, "delete_device", `{"localpart":"alice","device_id":"DEHYDRATED"}`); status != 204 || len(hs.Devices("alice")) != 1 {
		t.Errorf("delete_device of the dehydrated device = %d, devices %v", status, hs.Devices("alice"))
	}
}

func TestCallLog(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	mas(t, hs, "provision_user", `{"localpart":"alice"}`)
	send(t, "GET", hs.URL()+"/_synapse/mas/query_user?localpart=alice", "wrong", "")
	want := []synapsetest.Call{
		{Method: "POST", Path: "/_synapse/mas/provision_user", Body: `{"localpart":"alice"}`, Status: 201},
		{Method: "GET", Path: "/_synapse/mas/query_user", Query: "localpart=alice", Status: 403},
	}
	if diff := cmp.Diff(want, hs.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if got := hs.CallsTo("/_synapse/mas/query_user"); len(got) != 1 {
		t.Errorf("CallsTo = %v", got)
	}
	hs.ResetCalls()
	if got := hs.Calls(); len(got) != 0 {
		t.Errorf("after ResetCalls: %v", got)
	}
}
