package config

import (
	"net"
	"path/filepath"
	"strings"
)

// Resolve fills the values that default from other values: the public URL from the first TCP
// listener, and the database from the data directory. It never overrides a value that is set.
func (c *Config) Resolve() {
	if c.HTTP.PublicURL == "" {
		if addr, ok := c.firstTCPListen(); ok {
			c.HTTP.PublicURL = "http://" + publicHostPort(addr) + "/"
		}
	}
	if c.HTTP.PublicURL != "" && !strings.HasSuffix(c.HTTP.PublicURL, "/") {
		c.HTTP.PublicURL += "/"
	}
	if c.Database.URL == "" && c.DataDir != "" {
		c.Database.URL = "sqlite:" + filepath.Join(c.DataDir, "mxauth.db")
	}
}

func (c *Config) firstTCPListen() (string, bool) {
	for _, l := range c.HTTP.Listen {
		if !strings.HasPrefix(l, "unix:") {
			return l, true
		}
	}
	return "", false
}

// publicHostPort turns a listen address into one a browser can reach: a wildcard host
// (":8080", "0.0.0.0:8080", "[::]:8080") becomes localhost.
func publicHostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// DatabaseKind tells which backend the database URL selects.
type DatabaseKind int

const (
	DatabaseUnknown DatabaseKind = iota
	DatabaseSQLite
	DatabasePostgres
)

// Backend parses the database URL: "postgres://" or "postgresql://" select PostgreSQL;
// "sqlite:PATH" or a plain path select SQLite. For SQLite the second value is the file path.
func (d Database) Backend() (DatabaseKind, string) {
	u := d.URL
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return DatabasePostgres, u
	case strings.HasPrefix(u, "sqlite://"):
		return DatabaseSQLite, strings.TrimPrefix(u, "sqlite://")
	case strings.HasPrefix(u, "sqlite:"):
		return DatabaseSQLite, strings.TrimPrefix(u, "sqlite:")
	case u == "" || strings.Contains(u, "://"):
		return DatabaseUnknown, ""
	default:
		return DatabaseSQLite, u
	}
}

// IsPostgres reports whether the configured database is PostgreSQL.
func (c *Config) IsPostgres() bool {
	k, _ := c.Database.Backend()
	return k == DatabasePostgres
}
