package synapse_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/matrix"
	"github.com/mxauth/mxauth/internal/matrix/synapse"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

const secret = "shared-secret-0123456789"

func setup(t *testing.T) (*synapse.Client, *synapsetest.Server) {
	t.Helper()
	hs := synapsetest.New(synapsetest.Options{ServerName: "example.org", Secret: secret,
		Clock: clock.NewFake(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))}).Start(t)
	client, err := synapse.New(synapse.Options{Endpoint: hs.URL() + "/", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return client, hs
}

func ptr[T any](v T) *T { return &v }

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    synapse.Options
		wantErr string
	}{
		{"ok", synapse.Options{Endpoint: "http://synapse:8008/", Secret: "s"}, ""},
		{"https with path", synapse.Options{Endpoint: "https://example.org/synapse", Secret: "s"}, ""},
		{"relative", synapse.Options{Endpoint: "/synapse", Secret: "s"}, "absolute http(s)"},
		{"other scheme", synapse.Options{Endpoint: "ftp://synapse/", Secret: "s"}, "absolute http(s)"},
		{"query", synapse.Options{Endpoint: "http://synapse/?a=b", Secret: "s"}, "no credentials, query or fragment"},
		{"credentials", synapse.Options{Endpoint: "http://u:p@synapse/", Secret: "s"}, "no credentials, query or fragment"},
		{"unparsable", synapse.Options{Endpoint: "http://[::1", Secret: "s"}, "endpoint"},
		{"no secret", synapse.Options{Endpoint: "http://synapse/"}, "secret is empty"},
		{"negative timeout", synapse.Options{Endpoint: "http://synapse/", Secret: "s", Timeout: -time.Second}, "negative timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := synapse.New(tt.opts)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("New error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestCalls runs every call of SYNAPSE.md §1.3 against the stand-in and checks the exact
// request it sent, the result, and the stand-in's state afterwards.
func TestCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		prepare  func(hs *synapsetest.Server)
		call     func(c *synapse.Client) (any, error)
		want     any
		wantCall synapsetest.Call
		check    func(t *testing.T, hs *synapsetest.Server)
	}{
		{
			name: "provision new user",
			call: func(c *synapse.Client) (any, error) {
				return c.ProvisionUser(ctx, matrix.ProvisionUser{Localpart: "alice", SetDisplayName: ptr("Alice"), SetEmails: []string{"a@x.org"}, Locked: ptr(false)})
			},
			want:     true,
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/provision_user", Body: `{"localpart":"alice","set_displayname":"Alice","set_emails":["a@x.org"],"locked":false}`, Status: 201},
			check: func(t *testing.T, hs *synapsetest.Server) {
				u, _ := hs.User("alice")
				want := synapsetest.User{UserID: "@alice:example.org", DisplayName: "Alice", Emails: []string{"a@x.org"}}
				if diff := cmp.Diff(want, u); diff != "" {
					t.Errorf("user (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:    "provision existing user, unsetting",
			prepare: func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call: func(c *synapse.Client) (any, error) {
				return c.ProvisionUser(ctx, matrix.ProvisionUser{Localpart: "alice", UnsetDisplayName: true, UnsetAvatarURL: true, SetEmails: []string{}, Locked: ptr(true)})
			},
			want:     false,
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/provision_user", Body: `{"localpart":"alice","unset_displayname":true,"unset_avatar_url":true,"set_emails":[],"locked":true}`, Status: 200},
			check: func(t *testing.T, hs *synapsetest.Server) {
				if u, _ := hs.User("alice"); u.DisplayName != "" || !u.Locked {
					t.Errorf("user = %+v", u)
				}
			},
		},
		{
			name: "provision with nothing but the localpart",
			call: func(c *synapse.Client) (any, error) {
				return c.ProvisionUser(ctx, matrix.ProvisionUser{Localpart: "bob"})
			},
			want:     true,
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/provision_user", Body: `{"localpart":"bob"}`, Status: 201},
		},
		{
			name:     "query user",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice"); hs.SetSuspended("alice", true) },
			call:     func(c *synapse.Client) (any, error) { return c.QueryUser(ctx, "alice") },
			want:     matrix.UserInfo{UserID: "@alice:example.org", DisplayName: "alice", IsSuspended: true},
			wantCall: synapsetest.Call{Method: "GET", Path: "/_synapse/mas/query_user", Query: "localpart=alice", Status: 200},
		},
		{
			name:     "localpart available",
			call:     func(c *synapse.Client) (any, error) { return c.IsLocalpartAvailable(ctx, "a+b/c") },
			want:     true,
			wantCall: synapsetest.Call{Method: "GET", Path: "/_synapse/mas/is_localpart_available", Query: "localpart=a%2Bb%2Fc", Status: 200},
		},
		{
			name:     "localpart taken",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return c.IsLocalpartAvailable(ctx, "alice") },
			want:     false,
			wantCall: synapsetest.Call{Method: "GET", Path: "/_synapse/mas/is_localpart_available", Query: "localpart=alice", Status: 400},
		},
		{
			name:     "localpart invalid",
			call:     func(c *synapse.Client) (any, error) { return c.IsLocalpartAvailable(ctx, "Alice Smith&x=1") },
			want:     false,
			wantCall: synapsetest.Call{Method: "GET", Path: "/_synapse/mas/is_localpart_available", Query: "localpart=Alice+Smith%26x%3D1", Status: 400},
		},
		{
			name:     "localpart exclusive",
			prepare:  func(hs *synapsetest.Server) { hs.MarkExclusive("irc_bot") },
			call:     func(c *synapse.Client) (any, error) { return c.IsLocalpartAvailable(ctx, "irc_bot") },
			want:     false,
			wantCall: synapsetest.Call{Method: "GET", Path: "/_synapse/mas/is_localpart_available", Query: "localpart=irc_bot", Status: 400},
		},
		{
			name:     "delete user with erase",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.DeleteUser(ctx, "alice", true) },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/delete_user", Body: `{"localpart":"alice","erase":true}`, Status: 200},
			check: func(t *testing.T, hs *synapsetest.Server) {
				if u, _ := hs.User("alice"); !u.Deactivated || !u.Erased {
					t.Errorf("user = %+v", u)
				}
			},
		},
		{
			name:     "delete user without erase",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.DeleteUser(ctx, "alice", false) },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/delete_user", Body: `{"localpart":"alice","erase":false}`, Status: 200},
		},
		{
			name:     "reactivate user",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.ReactivateUser(ctx, "alice") },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/reactivate_user", Body: `{"localpart":"alice"}`, Status: 200},
		},
		{
			name:     "set display name",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.SetDisplayName(ctx, "alice", "Alice \"A\"") },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/set_displayname", Body: `{"localpart":"alice","displayname":"Alice \"A\""}`, Status: 200},
			check: func(t *testing.T, hs *synapsetest.Server) {
				if u, _ := hs.User("alice"); u.DisplayName != `Alice "A"` {
					t.Errorf("display name = %q", u.DisplayName)
				}
			},
		},
		{
			name:     "unset display name",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.UnsetDisplayName(ctx, "alice") },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/unset_displayname", Body: `{"localpart":"alice"}`, Status: 200},
		},
		{
			name:     "allow cross-signing reset",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.AllowCrossSigningReset(ctx, "alice") },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/allow_cross_signing_reset", Body: `{"localpart":"alice"}`, Status: 200},
		},
		{
			name:     "upsert new device with a name",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice") },
			call:     func(c *synapse.Client) (any, error) { return c.UpsertDevice(ctx, "alice", "DEV1", "Phone") },
			want:     true,
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/upsert_device", Body: `{"localpart":"alice","device_id":"DEV1","display_name":"Phone"}`, Status: 201},
		},
		{
			name:     "upsert existing device without a name",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice"); hs.AddDevice("alice", "DEV1") },
			call:     func(c *synapse.Client) (any, error) { return c.UpsertDevice(ctx, "alice", "DEV1", "") },
			want:     false,
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/upsert_device", Body: `{"localpart":"alice","device_id":"DEV1"}`, Status: 200},
		},
		{
			name:     "delete device",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice"); hs.AddDevice("alice", "DEV1") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.DeleteDevice(ctx, "alice", "DEV1") },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/delete_device", Body: `{"localpart":"alice","device_id":"DEV1"}`, Status: 204},
			check: func(t *testing.T, hs *synapsetest.Server) {
				if d := hs.Devices("alice"); len(d) != 0 {
					t.Errorf("devices = %v", d)
				}
			},
		},
		{
			name:    "rename device",
			prepare: func(hs *synapsetest.Server) { hs.AddUser("alice"); hs.AddDevice("alice", "DEV1") },
			call: func(c *synapse.Client) (any, error) {
				return nil, c.UpdateDeviceDisplayName(ctx, "alice", "DEV1", "Laptop")
			},
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/update_device_display_name", Body: `{"localpart":"alice","device_id":"DEV1","display_name":"Laptop"}`, Status: 200},
		},
		{
			name:     "sync devices to none",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice"); hs.AddDevice("alice", "DEV1") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.SyncDevices(ctx, "alice", nil) },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/sync_devices", Body: `{"localpart":"alice","devices":[]}`, Status: 200},
		},
		{
			name:     "sync devices",
			prepare:  func(hs *synapsetest.Server) { hs.AddUser("alice"); hs.AddDevice("alice", "OLD") },
			call:     func(c *synapse.Client) (any, error) { return nil, c.SyncDevices(ctx, "alice", []string{"A", "B"}) },
			wantCall: synapsetest.Call{Method: "POST", Path: "/_synapse/mas/sync_devices", Body: `{"localpart":"alice","devices":["A","B"]}`, Status: 200},
			check: func(t *testing.T, hs *synapsetest.Server) {
				if diff := cmp.Diff([]string{"A", "B"}, hs.Devices("alice")); diff != "" {
					t.Errorf("devices (-want +got):\n%s", diff)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, hs := setup(t)
			if tt.prepare != nil {
				tt.prepare(hs)
			}
			got, err := tt.call(client)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]synapsetest.Call{tt.wantCall}, hs.Calls()); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, hs)
			}
		})
	}
}

// TestUserNotFound checks that every call naming a missing user answers ErrUserNotFound
// wrapped with the *matrix.Error, and that it is permanent.
func TestUserNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, _ := setup(t)
	calls := map[string]func() error{
		"QueryUser":               func() error { _, err := client.QueryUser(ctx, "ghost"); return err },
		"DeleteUser":              func() error { return client.DeleteUser(ctx, "ghost", false) },
		"ReactivateUser":          func() error { return client.ReactivateUser(ctx, "ghost") },
		"SetDisplayName":          func() error { return client.SetDisplayName(ctx, "ghost", "G") },
		"UnsetDisplayName":        func() error { return client.UnsetDisplayName(ctx, "ghost") },
		"AllowCrossSigningReset":  func() error { return client.AllowCrossSigningReset(ctx, "ghost") },
		"UpsertDevice":            func() error { _, err := client.UpsertDevice(ctx, "ghost", "D", ""); return err },
		"DeleteDevice":            func() error { return client.DeleteDevice(ctx, "ghost", "D") },
		"UpdateDeviceDisplayName": func() error { return client.UpdateDeviceDisplayName(ctx, "ghost", "D", "x") },
		"SyncDevices":             func() error { return client.SyncDevices(ctx, "ghost", nil) },
	}
	for name, call := range calls {
		err := call()
		var merr *matrix.Error
		if !errors.Is(err, matrix.ErrUserNotFound) || !errors.As(err, &merr) || merr.Status != 404 || merr.ErrCode != "M_NOT_FOUND" {
			t.Errorf("%s error = %v, want ErrUserNotFound with a 404 M_NOT_FOUND *matrix.Error", name, err)
		}
		if matrix.IsTransient(err) {
			t.Errorf("%s: a missing user is transient", name)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, hs := setup(t)
	hs.AddUser("alice")

	// An unknown device is a 404 too, but not a missing user.
	err := client.UpdateDeviceDisplayName(ctx, "alice", "NOPE", "x")
	var merr *matrix.Error
	if !errors.As(err, &merr) || merr.Status != 404 || errors.Is(err, matrix.ErrUserNotFound) {
		t.Errorf("renaming an unknown device: %v", err)
	}

	// A refused body is a permanent *matrix.Error carrying Synapse's errcode.
	_, err = client.ProvisionUser(ctx, matrix.ProvisionUser{Localpart: "Not Valid"})
	if !errors.As(err, &merr) || merr.Status != 400 || merr.ErrCode != "M_INVALID_USERNAME" || matrix.IsTransient(err) {
		t.Errorf("provisioning an invalid localpart: %v", err)
	}

	// Set together with unset is refused before any request.
	hs.ResetCalls()
	_, err = client.ProvisionUser(ctx, matrix.ProvisionUser{Localpart: "alice", SetEmails: []string{}, UnsetEmails: true})
	if err == nil || !strings.Contains(err.Error(), "set_emails and unset_emails") || len(hs.Calls()) != 0 {
		t.Errorf("set and unset: %v after %d calls", err, len(hs.Calls()))
	}

	// A non-ASCII localpart is unavailable without asking.
	if ok, err := client.IsLocalpartAvailable(ctx, "zoë"); ok || err != nil || len(hs.Calls()) != 0 {
		t.Errorf("IsLocalpartAvailable(zoë) = %v, %v after %d calls", ok, err, len(hs.Calls()))
	}
}

func TestWrongSecret(t *testing.T) {
	t.Parallel()
	_, hs := setup(t)
	hs.AddUser("alice")
	const wrong = "the-wrong-secret-987654"
	client, err := synapse.New(synapse.Options{Endpoint: hs.URL(), Secret: wrong})
	if err != nil {
		t.Fatal(err)
	}
	err = client.ReactivateUser(context.Background(), "alice")
	var merr *matrix.Error
	if !errors.As(err, &merr) || merr.Status != 403 || matrix.IsTransient(err) {
		t.Fatalf("error = %v, want a permanent 403", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("the error echoes the secret: %v", err)
	}
	// Availability errors other than the three "taken" codes are errors, not "unavailable".
	ok, err := client.IsLocalpartAvailable(context.Background(), "bob")
	if ok || !errors.As(err, &merr) || merr.Status != 403 {
		t.Errorf("IsLocalpartAvailable with a wrong secret = %v, %v", ok, err)
	}
}

func TestTransientFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, hs := setup(t)
	hs.AddUser("alice")
	client, err := synapse.New(synapse.Options{Endpoint: hs.URL(), Secret: secret, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	hs.InjectFault(synapsetest.Fault{Status: http.StatusInternalServerError})
	_, err = client.UpsertDevice(ctx, "alice", "DEV1", "")
	var merr *matrix.Error
	if !errors.As(err, &merr) || merr.Status != 500 || !matrix.IsTransient(err) {
		t.Errorf("500: %v, transient %v", err, matrix.IsTransient(err))
	}
	hs.ClearFaults()

	hs.InjectFault(synapsetest.Fault{Hang: true}, synapsetest.MASPath("upsert_device"))
	start := time.Now()
	_, err = client.UpsertDevice(ctx, "alice", "DEV1", "")
	if !errors.Is(err, context.DeadlineExceeded) || !matrix.IsTransient(err) {
		t.Errorf("timeout: %v, transient %v", err, matrix.IsTransient(err))
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("the call took %v despite a 100ms timeout", elapsed)
	}

	// Synapse back: the retry converges.
	hs.ClearFaults()
	if created, err := client.UpsertDevice(ctx, "alice", "DEV1", ""); err != nil || !created {
		t.Errorf("after recovery: %v, %v", created, err)
	}

	// Nothing listening at all.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	down, _ := synapse.New(synapse.Options{Endpoint: closed.URL, Secret: secret})
	if err := down.ReactivateUser(ctx, "alice"); err == nil || !matrix.IsTransient(err) {
		t.Errorf("connection refused: %v, transient %v", err, matrix.IsTransient(err))
	}
}

// TestOddAnswers uses a hand-written server for answers the stand-in never gives.
func TestOddAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		status    int
		body      string
		wantErr   string
		transient bool
	}{
		{"proxy error page", 502, "<html>Bad Gateway</html>", "502 (no errcode): Bad Gateway", true},
		{"rate limited", 429, `{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":100}`, "429 (M_LIMIT_EXCEEDED): slow down", true},
		{"undocumented success", 202, `{}`, "unexpected success status 202", false},
		{"answer too large", 200, `{"x":"` + strings.Repeat("a", 1<<20) + `"}`, "larger than", false},
		{"answer not JSON", 200, `not json`, "decoding the answer", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var gotPath, gotAuth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotAuth = r.URL.Path, r.Header.Get("Authorization")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			client, err := synapse.New(synapse.Options{Endpoint: srv.URL + "/prefix/", Secret: secret})
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.QueryUser(ctx, "alice")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || matrix.IsTransient(err) != tt.transient {
				t.Errorf("error = %v (transient %v), want %q (transient %v)", err, matrix.IsTransient(err), tt.wantErr, tt.transient)
			}
			if gotPath != "/prefix/_synapse/mas/query_user" || gotAuth != "Bearer "+secret {
				t.Errorf("request to %q with %q", gotPath, gotAuth)
			}
		})
	}
}
