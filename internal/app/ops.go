package app

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/web"
)

// readyTimeout bounds the database check behind /ready, so a hung database makes the
// probe fail rather than hang.
const readyTimeout = 2 * time.Second

// mountHealth serves the liveness and readiness probes.
//   - GET /health: the process answers HTTP.
//   - GET /ready: the database answers and its schema is the one this binary needs, so a
//     load balancer sends no traffic to a replica that cannot serve it.
func mountHealth(mux *http.ServeMux, st store.Store) {
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if reason := notReady(ctx, st); reason != "" {
			web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
			return
		}
		web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

func notReady(ctx context.Context, st store.Store) string {
	if err := st.Ping(ctx); err != nil {
		return "database unreachable"
	}
	applied, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return "database schema unreadable"
	}
	if applied < latest {
		return "database migrations pending (run mxauth migrate)"
	}
	return ""
}

// newRegistry builds the Prometheus registry: Go runtime and process collectors, build
// information, and the store's connection pools. The HTTP metrics register themselves in web.
func newRegistry(st store.Store, version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		poolCollector{st},
	)
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "mxauth_build_info",
		Help:        "Always 1; the version label tells which build is running.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	reg.MustRegister(build)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mxauth_homeserver_jobs_queued",
		Help: "Homeserver jobs waiting in the queue: retries while the homeserver is unreachable, or work queued by the CLI.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := st.Jobs().Count(ctx)
		if err != nil {
			return -1 // the scrape must not fail; -1 says the count is unknown
		}
		return float64(n)
	}))
	return reg
}

func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// poolCollector reports the store's connection pools at scrape time.
type poolCollector struct{ st store.Store }

var (
	poolConnsDesc = prometheus.NewDesc("mxauth_db_pool_connections",
		"Database connections by pool and state.", []string{"pool", "state"}, nil)
	poolMaxDesc = prometheus.NewDesc("mxauth_db_pool_max_connections",
		"The most connections the pool may open.", []string{"pool"}, nil)
	poolWaitsDesc = prometheus.NewDesc("mxauth_db_pool_waits_total",
		"Times a caller waited for a free connection.", []string{"pool"}, nil)
	poolWaitSecondsDesc = prometheus.NewDesc("mxauth_db_pool_wait_seconds_total",
		"Total time callers waited for a free connection.", []string{"pool"}, nil)
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolConnsDesc
	ch <- poolMaxDesc
	ch <- poolWaitsDesc
	ch <- poolWaitSecondsDesc
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.st.PoolStats() {
		ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(p.InUse), p.Name, "in_use")
		ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(p.Idle), p.Name, "idle")
		ch <- prometheus.MustNewConstMetric(poolMaxDesc, prometheus.GaugeValue, float64(p.Max), p.Name)
		ch <- prometheus.MustNewConstMetric(poolWaitsDesc, prometheus.CounterValue, float64(p.WaitCount), p.Name)
		ch <- prometheus.MustNewConstMetric(poolWaitSecondsDesc, prometheus.CounterValue, p.WaitTime.Seconds(), p.Name)
	}
}
