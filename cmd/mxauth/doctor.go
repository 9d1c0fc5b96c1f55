package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/doctor"
)

// doctorFlags are the flags of `mxauth doctor` beyond the configuration's.
type doctorFlags struct {
	homeserver string
	issuer     string
	json       bool
	timeout    time.Duration
}

func newDoctorCommand(stdout io.Writer) *cobra.Command {
	var (
		flags configFlags
		df    doctorFlags
	)
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a deployment from the outside: discovery, routing, Synapse's shared secret, https",
		Long: `doctor checks a deployment as clients and Synapse see it, one line per check with a fix for
each failure: the client well-known, /_matrix/client/versions (v1.15 or later), auth_metadata
(every required field, mxauth's issuer, account_management_uri, CORS), that /login, /logout and
/refresh reach mxauth through the reverse proxy, that Synapse accepts the shared secret, and
that the public URLs use https.

With --config it takes mxauth's public URL, the homeserver's server name and Synapse's
endpoint and secret from the configuration; --homeserver then overrides the server name with
a client URL. With only --homeserver (a URL or server name) it checks any homeserver's OAuth
2.0 discovery; add --issuer to also expect this mxauth behind it.

Exit status: 0 when no check failed, 1 when one did, 2 for bad usage or configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := doctorOptions(flags, df)
			if err != nil {
				return err
			}
			results := doctor.Run(contextOrBackground(cmd.Context()), opts)
			if df.json {
				err = doctor.WriteJSON(stdout, results)
			} else {
				err = doctor.WriteText(stdout, results)
			}
			if err != nil {
				return err
			}
			if n := doctor.Failed(results); n > 0 {
				return fmt.Errorf("%d of %d checks failed", n, len(results))
			}
			return nil
		},
	}
	flags.register(cmd, false)
	fl := cmd.Flags()
	fl.StringVar(&df.homeserver, "homeserver", "", "homeserver to check: its client URL (https://matrix.example.org) or server name (example.org)")
	fl.StringVar(&df.issuer, "issuer", "", "mxauth's public URL, expected behind the homeserver (default: http.public_url of --config)")
	fl.BoolVar(&df.json, "json", false, "print the results as JSON")
	fl.DurationVar(&df.timeout, "timeout", doctor.DefaultTimeout, "time limit of each request")
	return cmd
}

// doctorOptions builds the checks' options. The configuration is read when --config is
// given, or when only $MXAUTH_CONFIG names one: `--homeserver URL` alone checks any
// homeserver, whatever the environment says.
func doctorOptions(flags configFlags, df doctorFlags) (doctor.Options, error) {
	opts := doctor.Options{HomeserverURL: df.homeserver, Issuer: df.issuer, Timeout: df.timeout}
	useConfig := flags.file != "" || (df.homeserver == "" && os.Getenv("MXAUTH_CONFIG") != "")
	if !useConfig && df.homeserver == "" {
		return opts, usageError(errors.New("give --config (check this mxauth's deployment) or --homeserver URL (check any homeserver)"))
	}
	if useConfig {
		cfg, err := flags.load()
		if err != nil {
			return opts, err
		}
		if opts.Issuer == "" {
			opts.Issuer = cfg.HTTP.PublicURL
		}
		if opts.HomeserverURL == "" {
			opts.HomeserverURL = cfg.Matrix.Homeserver
		}
		if cfg.Matrix.Kind == config.MatrixKindSynapse {
			secret, err := app.HomeserverSecret(cfg.Matrix)
			if err != nil {
				return opts, usageError(err)
			}
			opts.SynapseEndpoint, opts.Secret = cfg.Matrix.Endpoint, secret
		}
	}
	if err := opts.Validate(); err != nil {
		return opts, usageError(err)
	}
	return opts, nil
}
