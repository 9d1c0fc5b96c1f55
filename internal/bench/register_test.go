package bench

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/apptest"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
)

// TestRegisterScenarioAgainstTheServer runs both registration scenarios against the real app:
// every request must be a 201, unique bodies must store one client each and identical bodies
// exactly one.
func TestRegisterScenarioAgainstTheServer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		scenario    Register
		wantClients int
	}{
		{"unique", Register{Unique: true}, 120},
		{"identical", Register{}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, func(c *config.Config) { c.Registration.RateLimit.Burst = 1 << 20 })
			base, _ := url.Parse(s.URL)
			res, err := Run(context.Background(), tt.scenario, Options{
				Scenario: tt.name, BaseURL: base, Connections: 4, Requests: 120, Timeout: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.TransportErrors+res.StatusErrors != 0 {
				t.Fatalf("%d+%d errors; first: %s %s", res.TransportErrors, res.StatusErrors, res.FirstTransportError, res.FirstStatusError)
			}
			cs, err := s.App.Store().Clients().List(t.Context(), model.ClientDynamic)
			if err != nil || len(cs) != tt.wantClients {
				t.Errorf("%d clients stored (%v), want %d", len(cs), err, tt.wantClients)
			}
		})
	}
}
