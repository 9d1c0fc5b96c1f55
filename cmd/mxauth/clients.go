package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

func newClientCommand(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Inspect OAuth clients (static clients as last synced by the server, and dynamic registrations)",
	}
	var listFlags configFlags
	var origin string
	list := &cobra.Command{
		Use:   "list",
		Short: "List clients: static ones first, then dynamic registrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			origins := []model.ClientOrigin{model.ClientStatic, model.ClientDynamic}
			switch origin {
			case "":
			case "static", "dynamic":
				origins = []model.ClientOrigin{model.ClientOrigin(origin)}
			default:
				return usageError(fmt.Errorf("--origin must be static or dynamic, not %q", origin))
			}
			return withStore(cmd.Context(), listFlags, func(ctx context.Context, st store.Store) error {
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CLIENT ID\tORIGIN\tAUTH METHOD\tGRANT TYPES\tNAME")
				for _, o := range origins {
					cs, err := st.Clients().List(ctx, o)
					if err != nil {
						return err
					}
					for _, c := range cs {
						m := c.Metadata
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Origin, m.TokenEndpointAuthMethod,
							strings.Join(m.GrantTypes, ","), m.ClientName)
					}
				}
				return tw.Flush()
			})
		},
	}
	listFlags.register(list, false)
	list.Flags().StringVar(&origin, "origin", "", "only static or only dynamic clients")

	var showFlags configFlags
	show := &cobra.Command{
		Use:   "show CLIENT_ID",
		Short: "Show one client's registered metadata (never its secret)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), showFlags, func(ctx context.Context, st store.Store) error {
				c, err := st.Clients().Get(ctx, args[0])
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no client %q", args[0])
				}
				if err != nil {
					return err
				}
				writeClient(stdout, c)
				return nil
			})
		},
	}
	showFlags.register(show, false)
	cmd.AddCommand(list, show)
	return cmd
}

// withStore loads the config, opens the store (without migrating it) and runs f.
func withStore(ctx context.Context, flags configFlags, f func(context.Context, store.Store) error) error {
	cfg, err := flags.load()
	if err != nil {
		return err
	}
	ctx = contextOrBackground(ctx)
	st, err := app.OpenStore(ctx, cfg, clock.Real{})
	if err != nil {
		return err
	}
	defer st.Close()
	return f(ctx, st)
}

func writeClient(w io.Writer, c model.Client) {
	m := c.Metadata
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("client_id", c.ID)
	row("origin", string(c.Origin))
	row("client_name", m.ClientName)
	row("client_uri", m.ClientURI)
	row("application_type", m.ApplicationType)
	row("token_endpoint_auth_method", m.TokenEndpointAuthMethod)
	if c.SecretHash != nil {
		row("client_secret", "set (stored hashed; never shown)")
	}
	row("grant_types", strings.Join(m.GrantTypes, " "))
	row("response_types", strings.Join(m.ResponseTypes, " "))
	for _, u := range m.RedirectURIs {
		row("redirect_uri", u)
	}
	row("logo_uri", m.LogoURI)
	row("tos_uri", m.TOSURI)
	row("policy_uri", m.PolicyURI)
	row("contacts", strings.Join(m.Contacts, ", "))
	for _, l := range m.Localized {
		row(l.Field+"#"+l.Lang, l.Value)
	}
	row("created_at", c.CreatedAt.Format(time.RFC3339))
	if c.FirstUsedAt.IsZero() {
		row("first_used_at", "never")
	} else {
		row("first_used_at", c.FirstUsedAt.Format(time.RFC3339))
	}
	tw.Flush()
}
