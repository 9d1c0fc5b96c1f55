package apptest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

// SynapseSecret is the secret the app and the Synapse stand-in share in tests.
const SynapseSecret = "synapse-test-shared-secret-0123456789"

// StartFunc starts an app; Start and each Backend's Start are one.
type StartFunc func(t testing.TB, edit func(*config.Config)) *Server

// WithSynapse starts a strict Synapse stand-in (internal/matrix/synapsetest), then the app
// with start, configured as SYNAPSE.md §1.1 says (matrix.kind synapse, the stand-in's
// endpoint and the shared secret), and points the stand-in back at the app. The stand-in
// reads the app's fake clock, so advancing Server.Clock also ages its introspection cache.
// The returned Server's Synapse field is the stand-in.
func WithSynapse(t testing.TB, start StartFunc, edit func(*config.Config)) *Server {
	t.Helper()
	clk := &followClock{}
	syn := synapsetest.New(synapsetest.Options{ServerName: "synapse.test", Secret: SynapseSecret, Clock: clk}).Start(t)
	s := start(t, func(c *config.Config) {
		c.Matrix.Kind = config.MatrixKindSynapse
		c.Matrix.Homeserver = syn.ServerName()
		c.Matrix.Endpoint = syn.URL() + "/"
		c.Matrix.Secret = SynapseSecret
		if edit != nil {
			edit(c)
		}
	})
	clk.follow(s)
	syn.SetMAS(s.URL + "/")
	s.Synapse = syn
	return s
}

// followClock is the stand-in's clock: the app's fake clock once the app has started (the
// stand-in must exist first, since the app's config names it), the real time before.
type followClock struct{ s atomic.Pointer[Server] }

func (c *followClock) follow(s *Server) { c.s.Store(s) }

func (c *followClock) Now() time.Time {
	if s := c.s.Load(); s != nil {
		return s.Clock.Now()
	}
	return time.Now().UTC()
}
