package app

import (
	"io"
	"log/slog"

	"github.com/mxauth/mxauth/internal/config"
)

// NewLogger builds the process logger from the log section of a validated config.
func NewLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated: debug, info, warn or error
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
