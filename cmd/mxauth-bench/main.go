// Command mxauth-bench is the HTTP load generator behind the performance budgets in
// DESIGN.md: it sends one scenario's requests over N keep-alive connections and prints
// throughput, errors and latency percentiles. It never fails on timing.
//
// Usage:
//
//	mxauth-bench [flags] SCENARIO
//	mxauth-bench -user NAME -password PW [-pool N] [flags] exchange
//	mxauth-bench -user NAME -password PW -secret S [-sessions N] [flags] introspect
//	mxauth-bench -user NAME -password PW [-sessions N] [flags] refresh
//	mxauth-bench startup -bin PATH [-runs N]
//
// Exit status: 0 after a report (also after Ctrl-C), 1 when the server is unreachable or the
// scenario's setup fails, 2 for bad flags or an unknown scenario. The logic lives in
// internal/bench; this file only parses flags and wires signals.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mxauth/mxauth/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first Ctrl-C the run winds down and reports; restoring the default handler
	// lets a second Ctrl-C kill a run stuck on a server that never answers.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK          = 0
	exitRunFailed   = 1
	exitBadArgument = 2
)

// config is the parsed command line.
type config struct {
	opts     bench.Options
	scenario bench.Scenario
	json     bool
}

// errUsage marks an argument error that has already been reported to the user.
var errUsage = errors.New("usage error")

// run is main without the process: it returns the exit code, so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "startup" {
		return runStartup(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseArgs(args, bench.DefaultRegistry(), stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitBadArgument
	}
	result, err := bench.Run(ctx, cfg.scenario, cfg.opts)
	if err != nil {
		fmt.Fprintf(stderr, "mxauth-bench: %v\n", err)
		return exitRunFailed
	}
	if cfg.json {
		err = result.WriteJSON(stdout)
	} else {
		err = result.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mxauth-bench: writing report: %v\n", err)
		return exitRunFailed
	}
	return exitOK
}

// parseArgs parses the command line. Every error has been printed to stderr by the time it
// returns; the caller only picks the exit code.
func parseArgs(args []string, registry bench.Registry, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("mxauth-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "http://127.0.0.1:8080", "base URL of the server under test")
	conns := fs.Int("c", 64, "number of connections (one worker each)")
	duration := fs.Duration("d", 10*time.Second, "duration of the measured phase")
	requests := fs.Int64("n", 0, "total number of requests; if set, overrides -d")
	warmup := fs.Duration("warmup", time.Second, "warm-up before measuring; its results are discarded")
	timeout := fs.Duration("timeout", 5*time.Second, "per-request timeout, body included (0: none)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the text report")
	user := fs.String("user", "", "account that scenarios which sign in (exchange, introspect, refresh) sign in with, once, during setup")
	password := fs.String("password", "", "password of -user (use a benchmark account: it shows in the process list)")
	pool := fs.Int("pool", bench.DefaultCodePool, "authorization codes that scenarios which sign in mint before the run; each request spends one, warm-up included")
	sessions := fs.Int("sessions", bench.DefaultSessions, "sessions that introspect and refresh mint before the run (refresh needs one per connection)")
	secret := fs.String("secret", "", "the server's matrix.secret, which introspect sends as the homeserver's Bearer token")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mxauth-bench [flags] SCENARIO\n\nflags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nscenarios:\n%s", describe(registry))
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err // the flag package has printed the error and the usage
	}

	fail := func(format string, a ...any) (config, error) {
		fmt.Fprintf(stderr, "mxauth-bench: "+format+"\n", a...)
		fmt.Fprintf(stderr, "run 'mxauth-bench -h' for usage\n")
		return config{}, errUsage
	}
	if fs.NArg() != 1 {
		return fail("want exactly one scenario, got %d arguments\nscenarios:\n%s",
			fs.NArg(), strings.TrimRight(describe(registry), "\n"))
	}
	name := fs.Arg(0)
	scenario, ok := registry[name]
	if !ok {
		return fail("unknown scenario %q\nscenarios:\n%s", name, strings.TrimRight(describe(registry), "\n"))
	}
	if s, ok := scenario.(bench.SignInScenario); ok {
		if err := s.UseSignIn(bench.SignIn{Username: *user, Password: *password, Codes: *pool}); err != nil {
			return fail("%s: %s", name, strings.ReplaceAll(err.Error(), "\n", "\nmxauth-bench: "+name+": "))
		}
	}
	if s, ok := scenario.(bench.SessionScenario); ok {
		err := s.UseSessions(bench.Sessions{Username: *user, Password: *password, Count: *sessions, Secret: *secret})
		if err != nil {
			return fail("%s: %s", name, strings.ReplaceAll(err.Error(), "\n", "\nmxauth-bench: "+name+": "))
		}
	}
	base, err := url.Parse(*rawURL)
	if err != nil {
		return fail("-url: %v", err)
	}
	opts := bench.Options{
		Scenario:    name,
		BaseURL:     base,
		Connections: *conns,
		Duration:    *duration,
		Requests:    *requests,
		Warmup:      *warmup,
		Timeout:     *timeout,
	}
	if err := opts.Validate(); err != nil {
		return fail("%s", strings.ReplaceAll(err.Error(), "\n", "\nmxauth-bench: "))
	}
	return config{opts: opts, scenario: scenario, json: *asJSON}, nil
}

// describe lists the scenarios, one per line, for usage messages.
func describe(registry bench.Registry) string {
	var b strings.Builder
	for _, name := range registry.Names() {
		fmt.Fprintf(&b, "  %-12s %s\n", name, registry[name].Description())
	}
	return b.String()
}

// runStartup measures cold starts of a server binary: time to ready and idle memory.
func runStartup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mxauth-bench startup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "", "the mxauth binary to start (required)")
	runs := fs.Int("runs", 10, "number of cold starts")
	idle := fs.Duration("idle", time.Second, "idle time before reading the RSS")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadArgument
	}
	if *bin == "" || *runs < 1 || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: mxauth-bench startup -bin PATH [-runs N] [-idle D]")
		return exitBadArgument
	}
	rs, err := bench.MeasureStartup(ctx, bench.StartupOptions{Binary: *bin, Runs: *runs, Idle: *idle})
	if err != nil {
		fmt.Fprintf(stderr, "mxauth-bench: %v\n", err)
		return exitRunFailed
	}
	if err := bench.WriteStartupReport(stdout, rs); err != nil {
		fmt.Fprintf(stderr, "mxauth-bench: %v\n", err)
		return exitRunFailed
	}
	return exitOK
}
