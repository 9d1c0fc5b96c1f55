package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
)

type clientMap map[string]model.Client

func (m clientMap) Get(_ context.Context, id string) (model.Client, error) {
	c, ok := m[id]
	if !ok {
		return model.Client{}, store.ErrNotFound
	}
	return c, nil
}

func TestAuthenticateClient(t *testing.T) {
	t.Parallel()
	const secret = "s3cret:with/odd+chars"
	clients := clientMap{
		"public": {ID: "public", Metadata: model.ClientMetadata{TokenEndpointAuthMethod: model.AuthNone}},
		"basic":  {ID: "basic", Metadata: model.ClientMetadata{TokenEndpointAuthMethod: model.AuthClientSecretBasic}, SecretHash: token.Hash(secret)},
		"post":   {ID: "post", Metadata: model.ClientMetadata{TokenEndpointAuthMethod: model.AuthClientSecretPost}, SecretHash: token.Hash(secret)},
		"a:b":    {ID: "a:b", Metadata: model.ClientMetadata{TokenEndpointAuthMethod: model.AuthClientSecretBasic}, SecretHash: token.Hash(secret)},
	}
	basic := func(id, pw string) string {
		r, _ := http.NewRequest("POST", "/", nil)
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(pw))
		return r.Header.Get("Authorization")
	}
	tests := []struct {
		name, auth, form string
		wantID, wantCode string
	}{
		{"public client", "", "client_id=public", "public", ""},
		{"basic", basic("basic", secret), "", "basic", ""},
		{"basic with matching body id", basic("basic", secret), "client_id=basic", "basic", ""},
		{"basic id needing escapes", basic("a:b", secret), "", "a:b", ""},
		{"post", "", "client_id=post&client_secret=" + url.QueryEscape(secret), "post", ""},
		{"no client", "", "", "", oauth2.CodeInvalidClient},
		{"unknown client", "", "client_id=nobody", "", oauth2.CodeInvalidClient},
		{"wrong secret basic", basic("basic", "nope"), "", "", oauth2.CodeInvalidClient},
		{"wrong secret post", "", "client_id=post&client_secret=nope", "", oauth2.CodeInvalidClient},
		{"empty secret post", "", "client_id=post&client_secret=", "", oauth2.CodeInvalidClient},
		{"confidential client without secret", "", "client_id=basic", "", oauth2.CodeInvalidClient},
		{"wrong method: post for a basic client", "", "client_id=basic&client_secret=" + url.QueryEscape(secret), "", oauth2.CodeInvalidClient},
		{"wrong method: basic for a post client", basic("post", secret), "", "", oauth2.CodeInvalidClient},
		{"public client sending a secret", "", "client_id=public&client_secret=x", "", oauth2.CodeInvalidClient},
		{"two methods", basic("basic", secret), "client_secret=" + url.QueryEscape(secret), "", oauth2.CodeInvalidRequest},
		{"body id differs from basic", basic("basic", secret), "client_id=post", "", oauth2.CodeInvalidRequest},
		{"bearer scheme", "Bearer abc", "client_id=public", "", oauth2.CodeInvalidClient},
		{"malformed basic", "Basic !!!", "client_id=public", "", oauth2.CodeInvalidClient},
		{"basic with bad escape", basic("basic", secret)[:6] + "JTo6OnNlY3JldA==", "", "", oauth2.CodeInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader(tt.form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if err := r.ParseForm(); err != nil {
				t.Fatal(err)
			}
			c, err := AuthenticateClient(r, clients)
			if tt.wantCode != "" {
				var oe *oauth2.Error
				if !errors.As(err, &oe) || oe.Code != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil || c.ID != tt.wantID {
				t.Fatalf("got %q, %v; want %q", c.ID, err, tt.wantID)
			}
		})
	}
}
