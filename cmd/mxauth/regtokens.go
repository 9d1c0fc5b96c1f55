package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
)

// newRegistrationTokenCommand manages the tokens that let people sign up when
// account.registration is "token".
func newRegistrationTokenCommand(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registration-token",
		Short: "Manage registration tokens (sign-up with account.registration: token)",
	}
	cmd.AddCommand(newRegistrationTokenAddCommand(stdout), newRegistrationTokenListCommand(stdout),
		newRegistrationTokenRevokeCommand(stdout))
	return cmd
}

func newRegistrationTokenAddCommand(stdout io.Writer) *cobra.Command {
	var (
		flags     configFlags
		uses      int
		expiresIn time.Duration
	)
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Create a registration token and print it (it is shown only once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if uses < 0 {
				return usageError(errors.New("--uses must not be negative"))
			}
			if expiresIn < 0 {
				return usageError(errors.New("--expires-in must not be negative"))
			}
			return withUsers(cmd.Context(), flags, func(ctx context.Context, _ config.Config, st store.Store) error {
				secret, err := token.Generate(token.RegistrationToken, rand.Reader)
				if err != nil {
					return err
				}
				now := time.Now().UTC()
				id, err := ulid.New(now, rand.Reader)
				if err != nil {
					return err
				}
				t := model.RegistrationToken{ID: id, Hash: token.Hash(secret), Hint: secret[:4+3],
					UsageLimit: uses, CreatedAt: now}
				if expiresIn > 0 {
					t.ExpiresAt = now.Add(expiresIn)
				}
				if err := st.RegistrationTokens().Create(ctx, t); err != nil {
					return err
				}
				fmt.Fprintln(stdout, secret)
				fmt.Fprintf(stdout, "id %s, %s, %s\n", id, usesText(t), expiryText(t))
				return nil
			})
		},
	}
	flags.register(cmd, false)
	cmd.Flags().IntVar(&uses, "uses", 1, "how many accounts the token may create (0: unlimited)")
	cmd.Flags().DurationVar(&expiresIn, "expires-in", 0, "how long the token is valid, e.g. 72h (0: no expiry)")
	return cmd
}

func newRegistrationTokenListCommand(stdout io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List registration tokens (the tokens themselves are not stored, only their start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withUsers(cmd.Context(), flags, func(ctx context.Context, _ config.Config, st store.Store) error {
				tokens, err := st.RegistrationTokens().List(ctx)
				if err != nil {
					return err
				}
				now := time.Now().UTC()
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTARTS WITH\tSTATE\tUSES\tEXPIRES\tCREATED")
				for _, t := range tokens {
					fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\n", t.ID, t.Hint, tokenState(t, now), usesText(t),
						expiryText(t), t.CreatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
	flags.register(cmd, false)
	return cmd
}

func newRegistrationTokenRevokeCommand(stdout io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a registration token: it can no longer create accounts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withUsers(cmd.Context(), flags, func(ctx context.Context, _ config.Config, st store.Store) error {
				err := st.RegistrationTokens().Revoke(ctx, args[0], time.Now().UTC())
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no registration token %q (see `mxauth registration-token list`)", args[0])
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "registration token %s revoked\n", args[0])
				return nil
			})
		},
	}
	flags.register(cmd, false)
	return cmd
}

func tokenState(t model.RegistrationToken, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return "expired"
	case t.UsageLimit > 0 && t.TimesUsed >= t.UsageLimit:
		return "used up"
	}
	return "usable"
}

func usesText(t model.RegistrationToken) string {
	if t.UsageLimit == 0 {
		return fmt.Sprintf("%d used, no limit", t.TimesUsed)
	}
	return fmt.Sprintf("%d of %d used", t.TimesUsed, t.UsageLimit)
}

func expiryText(t model.RegistrationToken) string {
	if t.ExpiresAt.IsZero() {
		return "never expires"
	}
	return "expires " + t.ExpiresAt.Format(time.RFC3339)
}
