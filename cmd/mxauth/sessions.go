package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/provision"
	"github.com/mxauth/mxauth/internal/store"
)

func newSessionCommand(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "session", Short: "List and end OAuth sessions (one session is one Matrix device)"}
	var listFlags configFlags
	var user string
	list := &cobra.Command{
		Use:   "list",
		Short: "List active sessions, newest first per user",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withUsers(cmd.Context(), listFlags, func(ctx context.Context, _ config.Config, st store.Store) error {
				var users []model.User
				if user != "" {
					u, err := findUser(ctx, st, user)
					if err != nil {
						return err
					}
					users = []model.User{u}
				} else {
					all, err := st.Users().List(ctx)
					if err != nil {
						return err
					}
					users = all
				}
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SESSION ID\tUSER\tDEVICE ID\tCLIENT ID\tSTARTED\tLAST ACTIVE\tLAST IP")
				for _, u := range users {
					sessions, err := st.Sessions().ListActiveByUser(ctx, u.ID)
					if err != nil {
						return err
					}
					for _, s := range sessions {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, u.Username, s.DeviceID, s.ClientID,
							s.CreatedAt.Format(time.RFC3339), orDash(timeText(s.LastActiveAt)), orDash(s.LastActiveIP))
					}
				}
				return tw.Flush()
			})
		},
	}
	listFlags.register(list, false)
	list.Flags().StringVar(&user, "user", "", "only this user's sessions")

	var endFlags configFlags
	end := &cobra.Command{
		Use:   "end SESSION_ID",
		Short: "End a session: its access and refresh tokens stop working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withUsers(cmd.Context(), endFlags, func(ctx context.Context, cfg config.Config, st store.Store) error {
				s, err := st.Sessions().Get(ctx, args[0])
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no session %q", args[0])
				}
				if err != nil {
					return err
				}
				if !s.Active() {
					fmt.Fprintf(stdout, "session %s had already ended\n", s.ID)
					return nil
				}
				if err := st.Sessions().End(ctx, s.ID, time.Now().UTC()); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "session %s ended (device %s)\n", s.ID, s.DeviceID)
				return tellHomeserver(ctx, cfg, st, stderr, func(p *provision.Syncer) error { return p.SessionsEnded(ctx, s.UserID) })
			})
		},
	}
	endFlags.register(end, false)
	cmd.AddCommand(list, end)
	return cmd
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
