package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Options configure one run. Validate reports every problem at once.
type Options struct {
	Scenario    string   // name of the scenario, for the report
	BaseURL     *url.URL // scheme and host of the server under test (http or https)
	Connections int      // number of workers, each with one keep-alive connection
	// Duration of the measured phase. Ignored when Requests > 0.
	Duration time.Duration
	// Requests, when > 0, is the exact number of requests in the measured phase.
	Requests int64
	// Warmup is run before the measured phase over the same connections; its results are
	// discarded so that connection setup and cold caches do not count.
	Warmup time.Duration
	// Timeout bounds each request, body included; 0 means none.
	Timeout time.Duration
	// TLSConfig is the base TLS configuration for https:// targets (nil: system roots).
	// Only HTTP/1.1 is offered in ALPN, whatever it says.
	TLSConfig *tls.Config
}

// Validate returns an error listing every invalid field, or nil.
func (o Options) Validate() error {
	var errs []error
	if o.BaseURL == nil || (o.BaseURL.Scheme != "http" && o.BaseURL.Scheme != "https") || o.BaseURL.Host == "" {
		errs = append(errs, errors.New("base URL must be an absolute http:// or https:// URL"))
	}
	if o.Connections < 1 {
		errs = append(errs, fmt.Errorf("connections must be at least 1, got %d", o.Connections))
	}
	if o.Requests < 0 {
		errs = append(errs, fmt.Errorf("request count must not be negative, got %d", o.Requests))
	}
	if o.Requests <= 0 && o.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration must be positive when no request count is set, got %s", o.Duration))
	}
	if o.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warm-up must not be negative, got %s", o.Warmup))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative, got %s", o.Timeout))
	}
	return errors.Join(errs...)
}

// UnreachableError means the server did not answer the probe sent before the run.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string { return fmt.Sprintf("cannot reach %s: %v", e.URL, e.Err) }
func (e *UnreachableError) Unwrap() error { return e.Err }

// Run probes the server, runs the scenario's setup, the warm-up and the measured phase, and
// returns the measured results. Cancelling ctx (Ctrl-C) ends the current phase early: requests
// in flight finish, and Run returns what was measured so far with Interrupted set and a nil
// error. An error means nothing meaningful was measured: invalid options, an unreachable
// server, a failed setup, or a requester that could not build a request.
func Run(ctx context.Context, scenario Scenario, opts Options) (Result, error) {
	if err := opts.Validate(); err != nil {
		return Result{}, err
	}
	addr, tlsConfig := dialTarget(opts.BaseURL, opts.TLSConfig)
	setupTransport := newSetupTransport(tlsConfig)
	defer setupTransport.CloseIdleConnections()
	client := &http.Client{
		Transport:     setupTransport,
		Timeout:       opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if err := probe(ctx, client, opts.BaseURL); err != nil {
		return Result{}, err
	}
	if s, ok := scenario.(SetupStep); ok {
		if err := s.Setup(ctx, Target{BaseURL: opts.BaseURL, Client: client}); err != nil {
			return Result{}, fmt.Errorf("setting up scenario %s: %w", opts.Scenario, err)
		}
	}

	workers := make([]*worker, opts.Connections)
	for i := range workers {
		requester, err := scenario.NewRequester(i, opts.BaseURL)
		if err != nil {
			return Result{}, fmt.Errorf("preparing worker %d: %w", i, err)
		}
		workers[i] = newWorker(newConn(addr, tlsConfig, opts.Timeout), requester)
	}
	defer func() {
		for _, w := range workers {
			w.conn.close()
		}
	}()

	result := Result{
		Scenario:    opts.Scenario,
		URL:         opts.BaseURL.String(),
		Connections: opts.Connections,
		Warmup:      opts.Warmup,
	}
	if opts.Warmup > 0 {
		_, interrupted := runPhase(ctx, workers, opts.Warmup, 0)
		if err := fatalError(workers); err != nil {
			return Result{}, err
		}
		if interrupted {
			result.Interrupted = true
			return result, nil
		}
		for _, w := range workers {
			w.reset()
		}
	}
	elapsed, interrupted := runPhase(ctx, workers, opts.Duration, opts.Requests)
	if err := fatalError(workers); err != nil {
		return Result{}, err
	}
	result.Elapsed = elapsed
	result.Interrupted = interrupted
	result.collect(workers)
	return result, nil
}

// probe sends one GET to the base URL. Any HTTP response, even a 404, shows the server is
// there; only a transport error means it is not.
func probe(ctx context.Context, client *http.Client, base *url.URL) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String(), nil)
	if err != nil {
		return &UnreachableError{URL: base.String(), Err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // the URL is already in our message
		}
		return &UnreachableError{URL: base.String(), Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Body.Close()
}

// runPhase runs every worker until duration has passed (or, when requests > 0, until that
// many requests have been sent) or ctx is cancelled. elapsed runs from the start until the
// last in-flight request has finished, since those requests are counted too.
func runPhase(ctx context.Context, workers []*worker, duration time.Duration, requests int64) (elapsed time.Duration, interrupted bool) {
	ctl := &phaseControl{}
	var deadline <-chan time.Time
	if requests > 0 {
		ctl.limited = true
		ctl.remaining.Store(requests)
	} else {
		timer := time.NewTimer(duration)
		defer timer.Stop()
		deadline = timer.C
	}

	var wg sync.WaitGroup
	start := time.Now()
	for _, w := range workers {
		wg.Go(func() { w.run(ctl) })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()

	select {
	case <-done:
	case <-deadline:
		ctl.stop.Store(true)
		<-done
	case <-ctx.Done():
		interrupted = true
		ctl.stop.Store(true)
		<-done
	}
	return time.Since(start), interrupted
}

func fatalError(workers []*worker) error {
	for _, w := range workers {
		if w.fatal != nil {
			return w.fatal
		}
	}
	return nil
}
