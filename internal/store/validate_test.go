package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/model"
)

// The conformance suite (storetest) proves that both backends refuse what these rules
// refuse; these tests pin the rules themselves, one table per rule.

// assertRefusal checks that err is nil when wantErr is "", and otherwise a plain error (no
// sentinel: bad input is not a missing row or a conflict) whose text contains wantErr.
func assertRefusal(t *testing.T, name string, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("%s: unexpected error %v", name, err)
	case wantErr == "":
	case err == nil:
		t.Errorf("%s: no error, want one containing %q", name, wantErr)
	case !strings.Contains(err.Error(), wantErr):
		t.Errorf("%s: error %q does not contain %q", name, err, wantErr)
	case errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict):
		t.Errorf("%s: error %v matches a sentinel; want a plain error", name, err)
	}
}

func TestStorableKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key      string
		storable bool
	}{
		{"01JZ-id", true},
		{"plain é 🚀", true},
		{"", false},
		{"nul\x00", false},
		{"\xff", false},
		{"half \xc3", false},
	}
	var all, want []string
	for _, tt := range tests {
		if got := IsStorableKey(tt.key); got != tt.storable {
			t.Errorf("IsStorableKey(%q) = %v, want %v", tt.key, got, tt.storable)
		}
		all = append(all, tt.key)
		if tt.storable {
			want = append(want, tt.key)
		}
	}
	if diff := cmp.Diff(want, StorableKeys(all)); diff != "" {
		t.Errorf("StorableKeys (-want +got):\n%s", diff)
	}
	if got := StorableKeys(nil); got == nil || len(got) != 0 {
		t.Errorf("StorableKeys(nil) = %#v, want an empty slice", got)
	}
}

func TestCheckText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantErr string
	}{
		{"", ""},
		{"plain é 🚀", ""},
		{"nul\x00", `"nul\x00" contains a NUL character`},
		{"\xff", `"\xff" is not valid UTF-8`},
		{"half \xc3", "is not valid UTF-8"},
	}
	for _, tt := range tests {
		assertRefusal(t, tt.in, checkText("value", tt.in), tt.wantErr)
		assertRefusal(t, "password hash "+tt.in, CheckPasswordHash(tt.in), tt.wantErr)
	}
}

func TestCheckUser(t *testing.T) {
	t.Parallel()
	valid := model.User{ID: "id", Username: "alice", DisplayName: "Alice 🚀", PasswordHash: "$argon2id$x"}
	tests := []struct {
		name    string
		edit    func(*model.User)
		wantErr string
	}{
		{"valid", func(*model.User) {}, ""},
		{"no password", func(u *model.User) { u.PasswordHash = "" }, ""},
		{"empty ID", func(u *model.User) { u.ID = "" }, "must not be empty"},
		{"empty username", func(u *model.User) { u.Username = "" }, "must not be empty"},
		{"NUL in the ID", func(u *model.User) { u.ID = "i\x00d" }, "user ID"},
		{"invalid UTF-8 in the username", func(u *model.User) { u.Username = "\xff" }, "username"},
		{"NUL in the display name", func(u *model.User) { u.DisplayName = "Eve\x00" }, "display name"},
		{"invalid UTF-8 in the hash", func(u *model.User) { u.PasswordHash = "\xc3(" }, "password hash"},
	}
	for _, tt := range tests {
		u := valid
		tt.edit(&u)
		assertRefusal(t, tt.name, CheckUser(u), tt.wantErr)
	}
}

func TestCheckBrowserSession(t *testing.T) {
	t.Parallel()
	valid := model.BrowserSession{ID: "bs", UserID: "user", TokenHash: []byte{0, 0xff}, UserAgent: "UA", IP: "::1"}
	tests := []struct {
		name    string
		edit    func(*model.BrowserSession)
		wantErr string
	}{
		{"valid", func(*model.BrowserSession) {}, ""},
		{"no agent, no IP", func(bs *model.BrowserSession) { bs.UserAgent, bs.IP = "", "" }, ""},
		{"empty ID", func(bs *model.BrowserSession) { bs.ID = "" }, "must not be empty"},
		{"empty user ID", func(bs *model.BrowserSession) { bs.UserID = "" }, "must not be empty"},
		{"empty token hash", func(bs *model.BrowserSession) { bs.TokenHash = []byte{} }, "must not be empty"},
		{"NUL in the ID", func(bs *model.BrowserSession) { bs.ID = "b\x00s" }, "browser session ID"},
		{"NUL in the user ID", func(bs *model.BrowserSession) { bs.UserID = "u\x00" }, "user ID"},
		{"NUL in the agent", func(bs *model.BrowserSession) { bs.UserAgent = "a\x00b" }, "user agent"},
		{"invalid UTF-8 in the IP", func(bs *model.BrowserSession) { bs.IP = "\xc0\x80" }, "IP address"},
	}
	for _, tt := range tests {
		bs := valid
		tt.edit(&bs)
		assertRefusal(t, tt.name, CheckBrowserSession(bs), tt.wantErr)
	}
}

func TestCheckTimeIsSet(t *testing.T) {
	t.Parallel()
	assertRefusal(t, "set", CheckTimeIsSet("end time", time.Unix(0, 0)), "")
	assertRefusal(t, "zero", CheckTimeIsSet("end time", time.Time{}), "the end time is the zero time")
}

func TestCheckNewGrant(t *testing.T) {
	t.Parallel()
	valid := model.AuthorizationGrant{ID: "grant", ClientID: "client", RedirectURI: "https://a.example/cb",
		Scope: "openid", State: "é"}
	tests := []struct {
		name    string
		edit    func(*model.AuthorizationGrant)
		wantErr string
	}{
		{"no status", func(*model.AuthorizationGrant) {}, ""},
		{"pending", func(g *model.AuthorizationGrant) { g.Status = model.GrantPending }, ""},
		{"fulfilled", func(g *model.AuthorizationGrant) { g.Status = model.GrantFulfilled }, `has status "fulfilled"`},
		{"unknown status", func(g *model.AuthorizationGrant) { g.Status = "bogus" }, `has status "bogus"`},
		{"empty ID", func(g *model.AuthorizationGrant) { g.ID = "" }, "must not be empty"},
		{"empty client ID", func(g *model.AuthorizationGrant) { g.ClientID = "" }, "must not be empty"},
		{"NUL in the state", func(g *model.AuthorizationGrant) { g.State = "s\x00" }, "state"},
		{"invalid UTF-8 in the nonce", func(g *model.AuthorizationGrant) { g.Nonce = "\xff" }, "nonce"},
		{"invalid UTF-8 in the login hint", func(g *model.AuthorizationGrant) { g.LoginHint = "\xff" }, "login hint"},
		{"NUL in the session ID", func(g *model.AuthorizationGrant) { g.SessionID = "\x00" }, "session ID"},
	}
	for _, tt := range tests {
		in := valid
		tt.edit(&in)
		got, err := CheckNewGrant(in)
		assertRefusal(t, tt.name, err, tt.wantErr)
		if err == nil {
			want := in
			want.Status = model.GrantPending
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: CheckNewGrant (-want +got):\n%s", tt.name, diff)
			}
		}
	}
}

func TestCheckFulfilment(t *testing.T) {
	t.Parallel()
	valid := GrantFulfilment{UserID: "user", BrowserSessionID: "bs", CodeHash: []byte{1}, FulfilledAt: time.Unix(1, 0)}
	tests := []struct {
		name    string
		edit    func(*GrantFulfilment)
		wantErr string
	}{
		{"valid", func(*GrantFulfilment) {}, ""},
		{"no browser session", func(f *GrantFulfilment) { f.BrowserSessionID = "" }, ""},
		{"empty user ID", func(f *GrantFulfilment) { f.UserID = "" }, "needs a user ID"},
		{"empty code hash", func(f *GrantFulfilment) { f.CodeHash = nil }, "needs a user ID"},
		{"zero fulfilment time", func(f *GrantFulfilment) { f.FulfilledAt = time.Time{} }, "needs a user ID"},
		{"NUL in the user ID", func(f *GrantFulfilment) { f.UserID = "u\x00" }, "user ID"},
		{"invalid UTF-8 in the browser session", func(f *GrantFulfilment) { f.BrowserSessionID = "\xff" }, "browser session ID"},
	}
	for _, tt := range tests {
		f := valid
		tt.edit(&f)
		assertRefusal(t, tt.name, CheckFulfilment(f), tt.wantErr)
	}
}

// newSessionFixture is a NewSession started from grant "grant" whose parts name each other.
func newSessionFixture() NewSession {
	return NewSession{
		Session:      model.Session{ID: "s", UserID: "u", ClientID: "c", DeviceID: "DEV", Scope: "openid", GrantID: "grant"},
		AccessToken:  model.AccessToken{ID: "at", SessionID: "s", Hash: []byte{1}},
		RefreshToken: model.RefreshToken{ID: "rt", SessionID: "s", Hash: []byte{2}, AccessTokenID: "at"},
	}
}

func TestCheckNewSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*NewSession)
		wantErr string
	}{
		{"valid", func(*NewSession) {}, ""},
		{"empty session ID", func(ns *NewSession) { ns.Session.ID = "" }, "must not be empty"},
		{"empty user ID", func(ns *NewSession) { ns.Session.UserID = "" }, "must not be empty"},
		{"empty client ID", func(ns *NewSession) { ns.Session.ClientID = "" }, "must not be empty"},
		{"empty access token ID", func(ns *NewSession) { ns.AccessToken.ID = "" }, "must not be empty"},
		{"empty refresh token ID", func(ns *NewSession) { ns.RefreshToken.ID = "" }, "must not be empty"},
		{"another grant", func(ns *NewSession) { ns.Session.GrantID = "other" }, `names grant "other"`},
		{"access token of another session", func(ns *NewSession) { ns.AccessToken.SessionID = "x" }, "tokens name sessions"},
		{"refresh token of another session", func(ns *NewSession) { ns.RefreshToken.SessionID = "x" }, "tokens name sessions"},
		{"refresh token of another access token", func(ns *NewSession) { ns.RefreshToken.AccessTokenID = "x" }, "names access token"},
		{"empty access token hash", func(ns *NewSession) { ns.AccessToken.Hash = nil }, "hashes must not be empty"},
		{"empty refresh token hash", func(ns *NewSession) { ns.RefreshToken.Hash = nil }, "hashes must not be empty"},
		{"NUL in the device ID", func(ns *NewSession) { ns.Session.DeviceID = "D\x00" }, "device ID"},
		{"invalid UTF-8 in the scope", func(ns *NewSession) { ns.Session.Scope = "\xff" }, "scope"},
		{"invalid UTF-8 in the next ID", func(ns *NewSession) { ns.RefreshToken.NextID = "\xff" }, "next refresh token ID"},
	}
	for _, tt := range tests {
		ns := newSessionFixture()
		tt.edit(&ns)
		assertRefusal(t, tt.name, CheckNewSession("grant", ns), tt.wantErr)
	}
}

func TestCheckSessionMatchesGrant(t *testing.T) {
	t.Parallel()
	s := newSessionFixture().Session
	assertRefusal(t, "match", CheckSessionMatchesGrant(s, "u", "c"), "")
	assertRefusal(t, "another user", CheckSessionMatchesGrant(s, "v", "c"), `the grant is for user "v"`)
	assertRefusal(t, "another client", CheckSessionMatchesGrant(s, "u", "d"), `and client "d"`)
}

func TestCheckNewTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*NewTokens)
		wantErr string
	}{
		{"valid", func(*NewTokens) {}, ""},
		{"empty access token ID", func(p *NewTokens) { p.AccessToken.ID = "" }, "must not be empty"},
		{"empty refresh token ID", func(p *NewTokens) { p.RefreshToken.ID = "" }, "must not be empty"},
		{"empty session ID", func(p *NewTokens) { p.AccessToken.SessionID, p.RefreshToken.SessionID = "", "" }, "must not be empty"},
		{"two sessions", func(p *NewTokens) { p.RefreshToken.SessionID = "x" }, "the tokens name sessions"},
		{"refresh token of another access token", func(p *NewTokens) { p.RefreshToken.AccessTokenID = "x" }, "names access token"},
		{"empty hash", func(p *NewTokens) { p.AccessToken.Hash = []byte{} }, "hashes must not be empty"},
		{"NUL in the session ID", func(p *NewTokens) { p.AccessToken.SessionID, p.RefreshToken.SessionID = "s\x00", "s\x00" }, "session ID"},
		{"invalid UTF-8 in the refresh token ID", func(p *NewTokens) { p.RefreshToken.ID = "\xff" }, "refresh token ID"},
	}
	for _, tt := range tests {
		ns := newSessionFixture()
		p := NewTokens{AccessToken: ns.AccessToken, RefreshToken: ns.RefreshToken}
		tt.edit(&p)
		assertRefusal(t, tt.name, CheckNewTokens(p), tt.wantErr)
	}
}

func TestRefreshSuccessorRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    RefreshSuccessor
		want bool
	}{
		{"live, access token unused", RefreshSuccessor{ID: "n", Live: true, AccessTokenID: "a", AccessTokenUnused: true}, true},
		{"live, issued without an access token", RefreshSuccessor{ID: "n", Live: true}, true},
		{"live, access token used", RefreshSuccessor{ID: "n", Live: true, AccessTokenID: "a"}, false},
		{"spent or revoked", RefreshSuccessor{ID: "n", AccessTokenID: "a", AccessTokenUnused: true}, false},
		{"deleted", RefreshSuccessor{}, false},
		{"no successor ID", RefreshSuccessor{Live: true, AccessTokenID: "a", AccessTokenUnused: true}, false},
	}
	for _, tt := range tests {
		if got := tt.s.Retryable(); got != tt.want {
			t.Errorf("%s: Retryable() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
