package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// seedSession stores a user, a client and one session the way a login would.
func seedSession(t *testing.T, cfg config.Config) model.Session {
	t.Helper()
	ctx := context.Background()
	st, err := app.OpenStore(ctx, cfg, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Users().Create(ctx, model.User{ID: "01JUSER0000000000000000000", Username: "alice", CreatedAt: now}))
	_, _, err = st.Clients().CreateDynamic(ctx, model.Client{ID: "01JCLIENT00000000000000000", Origin: model.ClientDynamic, CreatedAt: now,
		Metadata: model.ClientMetadata{ClientURI: "https://app.example.org/", TokenEndpointAuthMethod: model.AuthNone}})
	must(err)
	must(st.Grants().Create(ctx, model.AuthorizationGrant{ID: "01JGRANT000000000000000000", ClientID: "01JCLIENT00000000000000000",
		RedirectURI: "http://127.0.0.1/cb", ResponseMode: "query", Scope: "urn:matrix:client:api:* urn:matrix:client:device:DEV1",
		DeviceID: "DEV1", CodeChallenge: "x", CodeChallengeMethod: "S256", Status: model.GrantPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(st.Grants().Fulfil(ctx, "01JGRANT000000000000000000", store.GrantFulfilment{UserID: "01JUSER0000000000000000000",
		CodeHash: []byte("0123456789abcdef0123456789abcdef"), FulfilledAt: now, ExpiresAt: now.Add(time.Minute), AuthTime: now}))
	s := model.Session{ID: "01JSESSION0000000000000000", UserID: "01JUSER0000000000000000000", ClientID: "01JCLIENT00000000000000000",
		DeviceID: "DEV1", Scope: "urn:matrix:client:api:* urn:matrix:client:device:DEV1", GrantID: "01JGRANT000000000000000000", CreatedAt: now,
		LastActiveAt: now, LastActiveIP: "192.0.2.7"}
	_, err = st.Sessions().StartFromGrant(ctx, "01JGRANT000000000000000000", store.NewSession{
		Session:      s,
		AccessToken:  model.AccessToken{ID: "01JAT0000000000000000000000", SessionID: s.ID, Hash: []byte("a123456789abcdef0123456789abcdef"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		RefreshToken: model.RefreshToken{ID: "01JRT0000000000000000000000", SessionID: s.ID, Hash: []byte("r123456789abcdef0123456789abcdef"), AccessTokenID: "01JAT0000000000000000000000", CreatedAt: now},
	}, now)
	must(err)
	return s
}

func TestSessionCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "mxauth.yaml")
	if err := os.WriteFile(file, []byte("data_dir: "+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file, nil, config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	s := seedSession(t, cfg)
	out, stderr, code := run(t, "session", "list", "--config", file)
	if code != 0 || !strings.Contains(out, s.ID) || !strings.Contains(out, "DEV1") || !strings.Contains(out, "alice") ||
		!strings.Contains(out, "LAST ACTIVE") || !strings.Contains(out, "192.0.2.7") {
		t.Fatalf("list: exit %d\n%s%s", code, out, stderr)
	}
	if out, _, _ := run(t, "session", "list", "--user", "alice", "--config", file); !strings.Contains(out, s.ID) {
		t.Errorf("list --user:\n%s", out)
	}
	if _, stderr, code := run(t, "session", "list", "--user", "bob", "--config", file); code != 1 || !strings.Contains(stderr, `no user "bob"`) {
		t.Errorf("list --user bob: %d %s", code, stderr)
	}
	if out, _, code := run(t, "session", "end", s.ID, "--config", file); code != 0 || !strings.Contains(out, "ended (device DEV1)") {
		t.Errorf("end: %d %s", code, out)
	}
	if out, _, _ := run(t, "session", "list", "--config", file); strings.Contains(out, s.ID) {
		t.Errorf("the ended session is still listed:\n%s", out)
	}
	if out, _, code := run(t, "session", "end", s.ID, "--config", file); code != 0 || !strings.Contains(out, "already ended") {
		t.Errorf("end again: %d %s", code, out)
	}
	if _, stderr, code := run(t, "session", "end", "nope", "--config", file); code != 1 || !strings.Contains(stderr, `no session "nope"`) {
		t.Errorf("end unknown: %d %s", code, stderr)
	}
}
