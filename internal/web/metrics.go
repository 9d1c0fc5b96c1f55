package web

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// unmatchedRoute labels requests that no ServeMux pattern matched, so that scanners probing
// random paths cannot grow the label set.
const unmatchedRoute = "unmatched"

// otherMethod labels requests with a method outside knownMethod, for the same reason.
const otherMethod = "OTHER"

// durationBuckets reach down to 100µs because the hot endpoints (discovery, introspection)
// answer in well under a millisecond, where the default buckets would see nothing.
var durationBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// httpMetrics holds the two request metrics, and caches the labelled children: looking one up
// through the vector hashes the label values every time, and formatting the status code
// allocates; the cache makes the steady state one read-locked map lookup.
type httpMetrics struct {
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec

	mu       sync.RWMutex
	counters map[counterKey]prometheus.Counter
	timers   map[string]prometheus.Observer
}

type counterKey struct {
	route, method string
	code          int
}

// newHTTPMetrics registers the metrics with reg. Registering twice with the same registry
// (two handlers in one process, as in tests) reuses the first registration.
func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mxauth_http_requests_total",
		Help: "HTTP requests served, by matched route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mxauth_http_request_duration_seconds",
		Help:    "Time from receiving an HTTP request to the handler's return, by matched route pattern.",
		Buckets: durationBuckets,
	}, []string{"route"})

	var err error
	if requests, err = registerOrReuse(reg, requests); err != nil {
		return nil, err
	}
	if durations, err = registerOrReuse(reg, durations); err != nil {
		return nil, err
	}
	return &httpMetrics{
		requests:  requests,
		durations: durations,
		counters:  make(map[counterKey]prometheus.Counter),
		timers:    make(map[string]prometheus.Observer),
	}, nil
}

func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// observe records one finished request.
func (m *httpMetrics) observe(pattern, method string, code int, elapsed time.Duration) {
	route := routeLabel(pattern)
	method = methodLabel(method)
	key := counterKey{route: route, method: method, code: code}

	m.mu.RLock()
	counter, haveCounter := m.counters[key]
	timer, haveTimer := m.timers[route]
	m.mu.RUnlock()

	if !haveCounter || !haveTimer {
		m.mu.Lock()
		if counter, haveCounter = m.counters[key]; !haveCounter {
			counter = m.requests.WithLabelValues(route, method, strconv.Itoa(code))
			m.counters[key] = counter
		}
		if timer, haveTimer = m.timers[route]; !haveTimer {
			timer = m.durations.WithLabelValues(route)
			m.timers[route] = timer
		}
		m.mu.Unlock()
	}

	counter.Inc()
	timer.Observe(elapsed.Seconds())
}

func routeLabel(pattern string) string {
	if pattern == "" {
		return unmatchedRoute
	}
	return pattern
}

// methodLabel maps the method to itself when it is one of RFC 9110 §9's (plus PATCH), and to
// "OTHER" otherwise. Methods are case-sensitive (RFC 9110 §9.1), so "get" is OTHER too.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	default:
		return otherMethod
	}
}
