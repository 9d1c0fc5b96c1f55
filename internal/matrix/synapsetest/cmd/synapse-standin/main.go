package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

// shutdownTimeout bounds how long in-flight requests may finish after SIGTERM.
const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return
	}
	fmt.Fprintln(os.Stderr, "synapse-standin:", err)
	var usage usageError
	if errors.As(err, &usage) {
		os.Exit(2)
	}
	os.Exit(1)
}

// usageError is a problem with the command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// options is the parsed command line.
type options struct {
	listen     string
	serverName string
	secret     string
	mas        string
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var (
		opts       options
		secretFile string
	)
	fs := flag.NewFlagSet("synapse-standin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.listen, "listen", "127.0.0.1:8008", "TCP address to serve on (port 0 picks a free one)")
	fs.StringVar(&opts.serverName, "server-name", "synapse.test", "Synapse's server_name, the domain of user IDs")
	fs.StringVar(&opts.secret, "secret", "", "matrix_authentication_service.secret, shared with mxauth")
	fs.StringVar(&secretFile, "secret-file", "", "file holding the shared secret (matrix_authentication_service.secret_path)")
	fs.StringVar(&opts.mas, "mas", "", "mxauth's base URL (matrix_authentication_service.endpoint)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return opts, err
		}
		return opts, usageError{err}
	}
	if fs.NArg() > 0 {
		return opts, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	switch {
	case opts.secret != "" && secretFile != "":
		return opts, usageError{errors.New("set either --secret or --secret-file, not both")}
	case secretFile != "":
		raw, err := os.ReadFile(secretFile)
		if err != nil {
			return opts, usageError{fmt.Errorf("--secret-file: %w", err)}
		}
		// Synapse strips the file's content (read_secret_from_file_once), as mxauth does with
		// matrix.secret_file, so a trailing newline does not split the secret in two.
		opts.secret = strings.TrimSpace(string(raw))
		if opts.secret == "" {
			return opts, usageError{fmt.Errorf("--secret-file %s is empty", secretFile)}
		}
	case opts.secret == "":
		// Without a secret no request is from MAS (SYNAPSE.md §1.3): mxauth could provision
		// nothing and introspection would carry an empty bearer token.
		return opts, usageError{errors.New("--secret or --secret-file is required")}
	}
	u, err := url.Parse(opts.mas)
	if opts.mas == "" || err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return opts, usageError{fmt.Errorf("--mas %q: want mxauth's http(s) base URL", opts.mas)}
	}
	return opts, nil
}

// run serves the stand-in until ctx ends, then shuts down gracefully. It prints
// "ready <base URL>" on stdout once the listener is bound, so a script may read that line
// instead of polling.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	clk := clock.Real{}
	standin := synapsetest.New(synapsetest.Options{ServerName: opts.serverName, Secret: opts.secret, Clock: clk})
	standin.SetMAS(opts.mas)

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           logRequests(standin, slog.New(slog.NewTextHandler(stderr, nil)), clk),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "ready http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return shutdownErr
}

// logRequests writes one line per request: method, path, status and duration. The query is
// left out: Synapse accepts access tokens there (access_token=...).
func logRequests(next http.Handler, log *slog.Logger, clk clock.Clock) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := clk.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", clk.Now().Sub(started).Round(time.Microsecond))
	})
}

// statusRecorder remembers the status a handler answered (200 unless it said otherwise).
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true // an implicit 200
	return r.ResponseWriter.Write(b)
}
