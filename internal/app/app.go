package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/mxauth/mxauth/internal/activity"
	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/keys"
	"github.com/mxauth/mxauth/internal/provision"
	"github.com/mxauth/mxauth/internal/secretbox"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/store/cache"
	"github.com/mxauth/mxauth/internal/web/oauth"
	"github.com/mxauth/mxauth/internal/worker"
)

// Options are what the command line hands to the app.
type Options struct {
	// Config must have passed Validate.
	Config config.Config
	Logger *slog.Logger
	// Clock and Rand default to the real ones.
	Clock   clock.Clock
	Rand    io.Reader
	Version string
}

// App is one running mxauth server.
type App struct {
	cfg       config.Config
	log       *slog.Logger
	store     store.Store
	keys      *keys.Set
	handler   http.Handler
	metrics   http.Handler
	listeners []net.Listener
	started   time.Time
	clock     clock.Clock
	rand      io.Reader
	box       *secretbox.Box
	jobs      []worker.Job
	// syncer keeps the homeserver's users and devices in step.
	syncer *provision.Syncer
	// activity buffers token use seen by introspection (nil when OAuth is disabled).
	activity *activity.Buffer
}

// New prepares a server: it binds the listeners (unless none are configured, as in tests that
// use Handler), opens and migrates the store, loads the secret and keys and builds the routes.
// On error, everything already opened is closed again.
func New(ctx context.Context, opts Options) (_ *App, err error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	cfg := opts.Config
	a := &App{cfg: cfg, log: opts.Logger, started: time.Now(), clock: opts.Clock, rand: opts.Rand}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.listeners, err = listenAll(cfg.HTTP.Listen); err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg, opts.Clock)
	if err != nil {
		return nil, err
	}
	a.store = cache.Wrap(st, cache.Options{Clock: opts.Clock})
	if cfg.Database.Migrate {
		if err = a.store.Migrate(ctx); err != nil {
			return nil, fmt.Errorf("applying database migrations: %w", err)
		}
	}
	box, generated, err := loadSecret(cfg, opts.Rand)
	if err != nil {
		return nil, err
	}
	a.box = box
	if generated {
		a.log.Info("generated the encryption secret; keep the data directory safe", "data_dir", cfg.DataDir)
	}
	configured, err := configuredKeys(cfg.Secrets.Keys)
	if err != nil {
		return nil, err
	}
	a.keys, err = keys.Load(ctx, keys.Options{
		Store: a.store.Keys(), Box: box, Clock: opts.Clock, Rand: opts.Rand, Configured: configured,
	})
	if err != nil {
		if errors.Is(err, store.ErrSchemaOutdated) {
			return nil, fmt.Errorf("the database schema is not up to date: run `mxauth migrate` (or start without --no-migrate)")
		}
		return nil, fmt.Errorf("loading signing keys: %w", err)
	}
	if err = syncStaticClients(ctx, a.store.Clients(), cfg.Clients, opts.Clock); err != nil {
		return nil, err
	}
	if a.syncer, err = NewSyncer(cfg, a.store, opts.Clock, a.log); err != nil {
		return nil, err
	}
	a.jobs = append(worker.ExpiredDataCleanup(a.store, opts.Clock, a.log),
		worker.UnusedClientCleanup(a.store.Clients(), opts.Clock, cfg.Registration.UnusedClientMaxAge, a.log),
		worker.HomeserverSync(a.syncer))
	reg := newRegistry(a.store, opts.Version)
	a.metrics = metricsHandler(reg)
	if a.handler, err = a.routes(reg); err != nil {
		return nil, err
	}
	return a, nil
}

// Handler is the whole HTTP surface, for tests that drive the app without a listener.
func (a *App) Handler() http.Handler { return a.handler }

// Store is the app's open store, for tests.
func (a *App) Store() store.Store { return a.store }

// Serve serves on every listener until ctx ends, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish (up to http.shutdown_timeout) and closes the store.
func (a *App) Serve(ctx context.Context) error {
	defer a.Close()
	servers := []*http.Server{}
	errc := make(chan error, len(a.listeners)+1)
	serve := func(l net.Listener, h http.Handler) {
		srv := a.newServer(h)
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	for _, l := range a.listeners {
		serve(l, a.handler)
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	go func() {
		worker.Run(jobsCtx, a.log, a.jobs)
		close(jobsDone)
	}()
	defer func() {
		stopJobs()
		<-jobsDone
	}()
	// The activity buffer flushes on its own until the servers have stopped (deferred calls
	// run after the shutdown below), then once more with the last requests' uses.
	if a.activity != nil {
		activityCtx, stopActivity := context.WithCancel(context.WithoutCancel(ctx))
		activityDone := make(chan struct{})
		go func() {
			_ = a.activity.Run(activityCtx) // Run logs its own failures
			close(activityDone)
		}()
		defer func() {
			stopActivity()
			<-activityDone
		}()
	}
	if a.cfg.Metrics.Enabled && a.cfg.Metrics.Listen != "" {
		l, err := listen(a.cfg.Metrics.Listen)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.metrics)
		serve(l, mux)
		a.log.Info("serving metrics", "url", listenerURL(l)+"/metrics")
	}
	for _, l := range a.listeners {
		a.log.Info("listening", "address", listenerURL(l))
	}
	a.log.Info("ready", "issuer", a.cfg.HTTP.PublicURL, "startup", time.Since(a.started).Round(time.Millisecond).String())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.log.Info("shutting down", "timeout", a.cfg.HTTP.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(shutdownCtx); err != nil {
				a.log.Warn("shutdown did not finish in time; closing connections", "err", err)
				srv.Close()
			}
		})
	}
	wg.Wait()
	a.log.Info("stopped")
	return serveErr
}

// NewHTTPServer returns an http.Server configured from the http section (timeouts, header
// cap) that serves the app; tests use it with httptest.
func (a *App) NewHTTPServer() *http.Server { return a.newServer(a.handler) }

func (a *App) newServer(h http.Handler) *http.Server {
	c := a.cfg.HTTP
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    c.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
	}
}

// FlushActivity writes the token use that introspection has buffered, now; tests use it.
func (a *App) FlushActivity(ctx context.Context) error {
	if a.activity == nil {
		return nil
	}
	return a.activity.Flush(ctx)
}

// RunHomeserverJobs runs the homeserver jobs that are due now, as the background worker does
// every few seconds; tests use it.
func (a *App) RunHomeserverJobs(ctx context.Context) (int, error) { return a.syncer.Work(ctx) }

// Close releases the listeners and the store, after writing any token use still buffered
// (Serve has flushed already; an app driven through Handler has not). It is safe to call
// more than once.
func (a *App) Close() error {
	for _, l := range a.listeners {
		l.Close()
	}
	a.listeners = nil
	if a.activity != nil && a.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), activity.DefaultShutdownTimeout)
		if err := a.activity.Flush(ctx); err != nil {
			a.log.Error("recording token activity before closing the store", "err", err, "pending", a.activity.Pending())
		}
		cancel()
	}
	if a.store != nil {
		err := a.store.Close()
		a.store = nil
		return err
	}
	return nil
}

// DiscoveryURL is where the server's Matrix discovery document is served.
func DiscoveryURL(cfg config.Config) string {
	iss, err := oauth.NewIssuer(cfg.HTTP.PublicURL)
	if err != nil {
		return cfg.HTTP.PublicURL
	}
	return iss.URL(oauth.PathAuthMetadata)
}
