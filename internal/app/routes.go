package app

import (
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/keys"
	"github.com/mxauth/mxauth/internal/policy"
	"github.com/mxauth/mxauth/internal/ratelimit"
	"github.com/mxauth/mxauth/internal/web"
	"github.com/mxauth/mxauth/internal/web/oauth"
)

// routes mounts every feature on one mux and wraps it in the web middleware. The discovery
// document is mounted last: each feature adds itself to it when mounted.
func (a *App) routes(reg *prometheus.Registry) (http.Handler, error) {
	cfg := a.cfg
	iss, err := oauth.NewIssuer(cfg.HTTP.PublicURL)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mountHealth(mux, a.store)
	if cfg.Metrics.Enabled && cfg.Metrics.Listen == "" {
		mux.Handle("GET /metrics", a.metrics)
	}
	if cfg.OAuth.Enabled {
		md := &oauth.Metadata{Issuer: iss.String()}
		if err := oauth.MountJWKS(mux, iss, md, a.keys.JWKS()); err != nil {
			return nil, err
		}
		oauth.MountRegistration(mux, iss, md, a.registrationOptions())
		if err := a.mountLoginFlow(mux, iss, md); err != nil {
			return nil, err
		}
		if err := oauth.MountDiscovery(mux, md); err != nil {
			return nil, err
		}
	} else {
		oauth.MountOAuthDisabled(mux)
	}
	proxies, err := trustedProxies(cfg.HTTP.TrustedProxies)
	if err != nil {
		return nil, err
	}
	h := web.NewHandler(mux, web.Options{
		Logger:         a.log,
		Registry:       reg,
		TrustedProxies: proxies,
		MaxBodyBytes:   cfg.HTTP.MaxBodyBytes,
		LogRequests:    cfg.Log.Requests,
		CORS:           true,
	})
	return underPrefix(iss.PathPrefix(), h), nil
}

// underPrefix serves h below the public URL's path, so "https://example.com/auth/" works
// with a reverse proxy that passes the path through unchanged.
func underPrefix(prefix string, h http.Handler) http.Handler {
	if prefix == "" {
		return h
	}
	strip := http.StripPrefix(prefix, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == prefix || !strings.HasPrefix(r.URL.Path, prefix+"/") {
			http.NotFound(w, r)
			return
		}
		strip.ServeHTTP(w, r)
	})
}

func trustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := config.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("http.trusted_proxies: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// configuredKeys reads the operator's PEM signing keys named in the config.
func configuredKeys(list []config.Key) ([]keys.ConfiguredKey, error) {
	out := make([]keys.ConfiguredKey, 0, len(list))
	for i, k := range list {
		pem := []byte(k.PEM)
		if k.File != "" {
			b, err := os.ReadFile(k.File)
			if err != nil {
				return nil, fmt.Errorf("secrets.keys[%d]: %w", i, err)
			}
			pem = b
		}
		out = append(out, keys.ConfiguredKey{KID: k.KID, PEM: pem})
	}
	return out, nil
}

func (a *App) registrationOptions() oauth.RegistrationOptions {
	r := a.cfg.Registration
	return oauth.RegistrationOptions{
		Clients: a.store.Clients(),
		Policy: policy.RegistrationOptions{
			SigningAlgs:           a.keys.Algs(),
			AllowedClientURIHosts: r.AllowedClientURIHosts,
		},
		Open:    r.Dynamic == "open",
		Limiter: ratelimit.New(r.RateLimit.Burst, r.RateLimit.PerSecond, a.clock),
		Clock:   a.clock,
		Rand:    a.rand,
		Logger:  a.log,
	}
}
