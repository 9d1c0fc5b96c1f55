package app

import (
	"crypto/rand"
	"log/slog"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/matrix"
	"github.com/mxauth/mxauth/internal/matrix/synapse"
	"github.com/mxauth/mxauth/internal/provision"
	"github.com/mxauth/mxauth/internal/store"
)

// NewHomeserver connects to the homeserver that matrix.kind names; nil for kind none. The
// server and the CLI share it, so `mxauth user lock` reaches Synapse as the pages do.
func NewHomeserver(m config.Matrix) (matrix.Homeserver, error) {
	if m.Kind != config.MatrixKindSynapse {
		return nil, nil
	}
	secret, err := HomeserverSecret(m)
	if err != nil {
		return nil, err
	}
	return synapse.New(synapse.Options{Endpoint: m.Endpoint, Secret: secret, Timeout: m.Timeout})
}

// NewSyncer builds the provisioning of the homeserver named by the config.
func NewSyncer(cfg config.Config, st store.Store, clk clock.Clock, log *slog.Logger) (*provision.Syncer, error) {
	hs, err := NewHomeserver(cfg.Matrix)
	if err != nil {
		return nil, err
	}
	return provision.New(provision.Options{Store: st, Homeserver: hs, Clock: clk, Rand: rand.Reader, Logger: log}), nil
}
