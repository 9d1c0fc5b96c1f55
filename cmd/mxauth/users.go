package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mxauth/mxauth/internal/app"
	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/policy"
	"github.com/mxauth/mxauth/internal/provision"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/ulid"
)

// passwordFlags choose where a password comes from.
type passwordFlags struct {
	file  string
	stdin bool
}

func (p *passwordFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.file, "password-file", "", "read the password from this file (first line)")
	cmd.Flags().BoolVar(&p.stdin, "password-stdin", false, "read the password from standard input (first line)")
}

// read returns the password: from the file, from stdin, or typed twice at a terminal.
func (p *passwordFlags) read(stdin io.Reader, stderr io.Writer) (string, error) {
	switch {
	case p.file != "" && p.stdin:
		return "", usageError(errors.New("use --password-file or --password-stdin, not both"))
	case p.file != "":
		b, err := os.ReadFile(p.file)
		if err != nil {
			return "", err
		}
		return firstLine(string(b))
	case p.stdin:
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return firstLine(line)
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageError(errors.New("give the password with --password-file or --password-stdin"))
	}
	fmt.Fprint(stderr, "Password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "Again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("the passwords differ")
	}
	return firstLine(string(a))
}

func firstLine(s string) (string, error) {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", errors.New("the password is empty")
	}
	return s, nil
}

func newUserCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage local accounts (works while the server runs)"}
	cmd.AddCommand(newUserAddCommand(stdin, stdout, stderr), newUserListCommand(stdout),
		newUserLockCommand(stdout, stderr, true), newUserLockCommand(stdout, stderr, false),
		newUserDeactivateCommand(stdout, stderr), newUserPasswordCommand(stdin, stdout, stderr))
	return cmd
}

func newUserAddCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		flags       configFlags
		pw          passwordFlags
		admin       bool
		displayName string
	)
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Create an account (NAME is the Matrix localpart)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withUsers(cmd.Context(), flags, func(ctx context.Context, cfg config.Config, st store.Store) error {
				name := args[0]
				if err := policy.ValidateUsername(name, cfg.Matrix.Homeserver); err != nil {
					return usageError(err)
				}
				secret, err := pw.read(stdin, stderr)
				if err != nil {
					return err
				}
				hash, err := hashPassword(ctx, cfg, secret)
				if err != nil {
					return err
				}
				now := time.Now().UTC()
				id, err := ulid.New(now, rand.Reader)
				if err != nil {
					return err
				}
				u := model.User{ID: id, Username: name, DisplayName: displayName, PasswordHash: hash, Admin: admin, CreatedAt: now}
				if err := st.Users().Create(ctx, u); errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("the username %q is taken", name)
				} else if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "created @%s:%s\n", name, cfg.Matrix.Homeserver)
				return tellHomeserver(ctx, cfg, st, stderr, func(s *provision.Syncer) error { return s.UserChanged(ctx, u.ID) })
			})
		},
	}
	flags.register(cmd, false)
	pw.register(cmd)
	cmd.Flags().BoolVar(&admin, "admin", false, "make the user an administrator")
	cmd.Flags().StringVar(&displayName, "display-name", "", "the user's display name")
	return cmd
}

func newUserListCommand(stdout io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withUsers(cmd.Context(), flags, func(ctx context.Context, cfg config.Config, st store.Store) error {
				users, err := st.Users().List(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USERNAME\tDISPLAY NAME\tADMIN\tSTATE\tCREATED")
				for _, u := range users {
					state := "active"
					switch {
					case !u.DeactivatedAt.IsZero():
						state = "deactivated"
					case !u.LockedAt.IsZero():
						state = "locked"
					}
					fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\n", u.Username, u.DisplayName, u.Admin, state, u.CreatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
	flags.register(cmd, false)
	return cmd
}

func newUserLockCommand(stdout, stderr io.Writer, lock bool) *cobra.Command {
	var flags configFlags
	use, short := "unlock NAME", "Unlock an account"
	if lock {
		use, short = "lock NAME", "Lock an account: it cannot sign in, and its sessions stop working"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withUsers(cmd.Context(), flags, func(ctx context.Context, cfg config.Config, st store.Store) error {
				u, err := findUser(ctx, st, args[0])
				if err != nil {
					return err
				}
				at := time.Time{}
				if lock {
					at = time.Now().UTC()
				}
				if err := st.Users().SetLocked(ctx, u.ID, at); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s %sed\n", u.Username, strings.Fields(use)[0])
				// Synapse keeps a copy of the lock (SYNAPSE.md §1.3, provision_user "locked").
				return tellHomeserver(ctx, cfg, st, stderr, func(s *provision.Syncer) error { return s.UserChanged(ctx, u.ID) })
			})
		},
	}
	flags.register(cmd, false)
	return cmd
}

func newUserPasswordCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		flags configFlags
		pw    passwordFlags
	)
	cmd := &cobra.Command{
		Use:   "set-password NAME",
		Short: "Set an account's password",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withUsers(cmd.Context(), flags, func(ctx context.Context, cfg config.Config, st store.Store) error {
				u, err := findUser(ctx, st, args[0])
				if err != nil {
					return err
				}
				secret, err := pw.read(stdin, stderr)
				if err != nil {
					return err
				}
				hash, err := hashPassword(ctx, cfg, secret)
				if err != nil {
					return err
				}
				if err := st.Users().SetPasswordHash(ctx, u.ID, hash); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "password of %s set\n", u.Username)
				return nil
			})
		},
	}
	flags.register(cmd, false)
	pw.register(cmd)
	return cmd
}

func newUserDeactivateCommand(stdout, stderr io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "deactivate NAME",
		Short: "Deactivate an account for good: its sessions end and the name is never reused",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withUsers(cmd.Context(), flags, func(ctx context.Context, cfg config.Config, st store.Store) error {
				u, err := findUser(ctx, st, args[0])
				if err != nil {
					return err
				}
				ended, err := st.Users().Deactivate(ctx, u.ID, time.Now().UTC())
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s deactivated (%d sessions ended)\n", u.Username, len(ended))
				return tellHomeserver(ctx, cfg, st, stderr, func(s *provision.Syncer) error { return s.UserChanged(ctx, u.ID) })
			})
		},
	}
	flags.register(cmd, false)
	return cmd
}

// tellHomeserver passes a change on to the homeserver of the config (matrix.kind). The job is
// queued in the database first, so if the homeserver cannot be reached now, the running
// server retries it; that is a warning, not a failure of the command.
func tellHomeserver(ctx context.Context, cfg config.Config, st store.Store, stderr io.Writer, f func(*provision.Syncer) error) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := app.NewSyncer(cfg, st, clock.Real{}, log)
	if err != nil {
		return err
	}
	return f(s)
}

func findUser(ctx context.Context, st store.Store, name string) (model.User, error) {
	u, err := st.Users().GetByUsername(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("no user %q", name)
	}
	return u, err
}

func hashPassword(ctx context.Context, cfg config.Config, secret string) (string, error) {
	h, err := app.NewPasswordHasher(cfg.Passwords)
	if err != nil {
		return "", err
	}
	return h.Hash(ctx, secret)
}

// withUsers opens the store, migrating it first (the CLI may run before the first start),
// and runs f.
func withUsers(ctx context.Context, flags configFlags, f func(context.Context, config.Config, store.Store) error) error {
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
	if cfg.Database.Migrate {
		if err := st.Migrate(ctx); err != nil {
			return fmt.Errorf("applying database migrations: %w", err)
		}
	}
	return f(ctx, cfg, st)
}
