package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/secretbox"
)

// configFlags are the flags that choose and override the configuration.
type configFlags struct {
	file string
	ov   config.Overrides
}

func (f *configFlags) register(cmd *cobra.Command, serve bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.file, "config", "", "configuration file (YAML); also $MXAUTH_CONFIG")
	fl.StringVar(&f.ov.DatabaseURL, "database", "", "database URL: sqlite:PATH or postgres://...; also $MXAUTH_DATABASE_URL")
	fl.StringVar(&f.ov.DataDir, "data-dir", "", "directory for generated data (default ./mxauth-data); also $MXAUTH_DATA_DIR")
	if serve {
		fl.StringSliceVar(&f.ov.Listen, "listen", nil, "address to serve on, host:port or unix:/path (default 127.0.0.1:8080; repeatable); also $MXAUTH_LISTEN")
		fl.StringVar(&f.ov.PublicURL, "public-url", "", "public base URL, the OAuth issuer (default http://<listen>/); also $MXAUTH_PUBLIC_URL")
		fl.BoolVar(&f.ov.NoMigrate, "no-migrate", false, "do not apply database migrations at start")
	}
}

// load reads and validates the configuration. Any problem is a usage error (exit 2), found
// before anything is created on disk or in a database.
func (f *configFlags) load() (config.Config, error) {
	file := f.file
	if file == "" {
		file = os.Getenv("MXAUTH_CONFIG")
	}
	cfg, err := config.Load(file, os.LookupEnv, f.ov)
	if err != nil {
		return cfg, usageError(err)
	}
	if ps := cfg.Validate(); ps != nil {
		return cfg, usageError(ps)
	}
	return cfg, nil
}

func newRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var flags configFlags
	root := &cobra.Command{
		Use:           "mxauth",
		Short:         "OAuth 2.0 / OpenID Connect authorization server for Matrix homeservers",
		Long:          "mxauth logs Matrix users in with OAuth 2.0. With no subcommand it runs the server (see `mxauth serve --help`).",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), flags, stderr) },
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	flags.register(root, true)
	root.AddCommand(newServeCommand(stderr), newMigrateCommand(stdout, stderr), newConfigCommand(stdout),
		newClientCommand(stdout), newUserCommand(stdin, stdout, stderr), newSessionCommand(stdout, stderr),
		newRegistrationTokenCommand(stdout), newVersionCommand(stdout))
	root.AddCommand(newDoctorCommand(stdout))
	return root
}

func newServeCommand(stderr io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (the default command)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), flags, stderr) },
	}
	flags.register(cmd, true)
	return cmd
}

func runServe(parent context.Context, flags configFlags, stderr io.Writer) error {
	cfg, err := flags.load()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(contextOrBackground(parent), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := app.NewLogger(cfg.Log, stderr)
	// The first line says where the discovery document is, and warns about an http issuer.
	attrs := []any{"version", buildVersion(), "discovery", app.DiscoveryURL(cfg)}
	for _, w := range cfg.Warnings() {
		attrs = append(attrs, "warning", w)
	}
	log.Info("starting mxauth", attrs...)
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Version: buildVersion()})
	if err != nil {
		return err
	}
	return a.Serve(ctx)
}

func newMigrateCommand(stdout, stderr io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			ctx := contextOrBackground(cmd.Context())
			st, err := app.OpenStore(ctx, cfg, clock.Real{})
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Migrate(ctx); err != nil {
				return fmt.Errorf("applying migrations: %w", err)
			}
			applied, _, err := st.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "database schema is at version %d\n", applied)
			return nil
		},
	}
	flags.register(cmd, false)
	return cmd
}

func newConfigCommand(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Generate or check a configuration file"}
	cmd.AddCommand(&cobra.Command{
		Use:   "generate",
		Short: "Print a commented configuration with a fresh encryption secret",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			secret, err := secretbox.GenerateSecret(rand.Reader)
			if err != nil {
				return err
			}
			hsSecret, err := secretbox.GenerateSecret(rand.Reader)
			if err != nil {
				return err
			}
			_, err = stdout.Write(config.Generate(secret, hsSecret))
			return err
		},
	})
	var flags configFlags
	check := &cobra.Command{
		Use:   "check",
		Short: "Validate a configuration (with the environment's overrides) and list every problem",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings() {
				fmt.Fprintln(stdout, "warning:", w)
			}
			fmt.Fprintln(stdout, "configuration is valid")
			return nil
		},
	}
	flags.register(check, true)
	cmd.AddCommand(check)
	return cmd
}

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { fmt.Fprintln(stdout, "mxauth", buildVersion()) },
	}
}

func contextOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
