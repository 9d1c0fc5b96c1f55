package app

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
)

// defaultStaticGrantTypes are a static client's grants when the config names none: a login
// client that can refresh.
var defaultStaticGrantTypes = []string{"authorization_code", "refresh_token"}

// syncStaticClients makes the store's static clients exactly those of the config.
func syncStaticClients(ctx context.Context, st store.ClientStore, list []config.StaticClient, clk clock.Clock) error {
	cs, err := staticClients(list, clk)
	if err != nil {
		return err
	}
	if err := st.SyncStatic(ctx, cs); err != nil {
		return fmt.Errorf("syncing static clients: %w", err)
	}
	return nil
}

// staticClients turns config entries into clients, reading secret files and hashing secrets.
func staticClients(list []config.StaticClient, clk clock.Clock) ([]model.Client, error) {
	out := make([]model.Client, 0, len(list))
	for i, sc := range list {
		secret := sc.ClientSecret
		if sc.ClientSecretFile != "" {
			b, err := os.ReadFile(sc.ClientSecretFile)
			if err != nil {
				return nil, fmt.Errorf("clients[%d].client_secret_file: %w", i, err)
			}
			secret = strings.TrimSpace(string(b))
			if secret == "" {
				return nil, fmt.Errorf("clients[%d].client_secret_file: the file is empty", i)
			}
		}
		method := sc.TokenEndpointAuthMethod
		if method == "" {
			method = model.AuthClientSecretBasic // RFC 7591 §2's default
		}
		grants := sc.GrantTypes
		if len(grants) == 0 {
			grants = defaultStaticGrantTypes
		}
		var responseTypes []string
		for _, g := range grants {
			if g == "authorization_code" {
				responseTypes = []string{"code"}
			}
		}
		c := model.Client{
			ID:     sc.ClientID,
			Origin: model.ClientStatic,
			Metadata: model.ClientMetadata{
				RedirectURIs:            sc.RedirectURIs,
				ResponseTypes:           responseTypes,
				GrantTypes:              grants,
				ApplicationType:         model.ApplicationWeb,
				TokenEndpointAuthMethod: method,
				ClientName:              sc.ClientName,
				ClientURI:               sc.ClientURI,
			},
			CreatedAt: clk.Now(),
		}
		if method != model.AuthNone {
			c.SecretHash = token.Hash(secret)
		}
		out = append(out, c)
	}
	return out, nil
}
