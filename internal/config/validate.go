package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Validate checks the resolved configuration and returns every problem it finds, in the order
// of the keys; nil means the configuration can be used.
func (c *Config) Validate() Problems {
	v := validator{lines: c.keyLines}
	v.listen(c.HTTP.Listen)
	v.publicURL(c.HTTP.PublicURL)
	for i, p := range c.HTTP.TrustedProxies {
		if _, err := ParsePrefix(p); err != nil {
			v.add(fmt.Sprintf("http.trusted_proxies[%d]", i), "%q is neither an IP address nor a CIDR network", p)
		}
	}
	v.positive("http.max_body_bytes", c.HTTP.MaxBodyBytes)
	v.positive("http.max_header_bytes", int64(c.HTTP.MaxHeaderBytes))
	v.positive("http.read_header_timeout", int64(c.HTTP.ReadHeaderTimeout))
	v.notNegative("http.read_timeout", int64(c.HTTP.ReadTimeout))
	v.notNegative("http.write_timeout", int64(c.HTTP.WriteTimeout))
	v.notNegative("http.idle_timeout", int64(c.HTTP.IdleTimeout))
	v.notNegative("http.shutdown_timeout", int64(c.HTTP.ShutdownTimeout))

	v.database(c)
	if c.DataDir == "" {
		v.add("data_dir", "must not be empty")
	}
	v.secrets(c)
	v.positive("oauth.access_token_ttl", int64(c.OAuth.AccessTokenTTL))
	v.positive("oauth.authorization_code_ttl", int64(c.OAuth.AuthorizationCodeTTL))
	if c.OAuth.AuthorizationCodeTTL > 10*time.Minute {
		v.add("oauth.authorization_code_ttl", "must be at most 10m (RFC 6749 §4.1.2)")
	}
	v.positive("oauth.login_ttl", int64(c.OAuth.LoginTTL))
	v.positive("sessions.browser_ttl", int64(c.Sessions.BrowserTTL))
	v.notNegative("passwords.max_concurrent", int64(c.Passwords.MaxConcurrent))
	if c.Passwords.BcryptPepper != "" && c.Passwords.BcryptPepperFile != "" {
		v.add("passwords.bcrypt_pepper", "set either bcrypt_pepper or bcrypt_pepper_file, not both")
	}
	v.matrix(c.Matrix)
	v.registration(c.Registration)
	v.staticClients(c.Clients)
	v.account(c.Account)
	v.branding(c.Branding)
	v.rateLimiting(c.RateLimiting)
	if c.Metrics.Listen != "" {
		if err := checkListenAddr(c.Metrics.Listen); err != nil {
			v.add("metrics.listen", "%v", err)
		}
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		v.add("log.format", "%q is not one of text, json", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.add("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	return v.problems
}

// Warnings lists settings that work but are unsafe outside development.
func (c *Config) Warnings() []string {
	var w []string
	if strings.HasPrefix(c.HTTP.PublicURL, "http://") {
		w = append(w, "the issuer "+c.HTTP.PublicURL+" uses http: this is for development only; "+
			"Matrix clients such as Element X require an https issuer (set http.public_url)")
	}
	return w
}

type validator struct {
	lines    map[string]int
	problems Problems
}

func (v *validator) add(key, format string, args ...any) {
	v.problems = append(v.problems, Problem{Key: key, Line: v.lineOf(key), Message: fmt.Sprintf(format, args...)})
}

// lineOf finds the line of key, or of its nearest parent that is in the file: a problem
// with a missing key ("clients[0].client_secret") points at the item that lacks it.
func (v *validator) lineOf(key string) int {
	for key != "" {
		if line, ok := v.lines[key]; ok {
			return line
		}
		i := strings.LastIndexAny(key, ".[")
		if i <= 0 {
			return 0
		}
		key = key[:i]
	}
	return 0
}

func (v *validator) positive(key string, n int64) {
	if n <= 0 {
		v.add(key, "must be greater than zero")
	}
}

func (v *validator) notNegative(key string, n int64) {
	if n < 0 {
		v.add(key, "must not be negative")
	}
}

func (v *validator) listen(addrs []string) {
	if len(addrs) == 0 {
		v.add("http.listen", "at least one address is needed")
	}
	for i, a := range addrs {
		if err := checkListenAddr(a); err != nil {
			v.add(fmt.Sprintf("http.listen[%d]", i), "%v", err)
		}
	}
}

// checkListenAddr accepts "host:port" (host may be empty) and "unix:/path".
func checkListenAddr(a string) error {
	if path, ok := strings.CutPrefix(a, "unix:"); ok {
		if path == "" {
			return fmt.Errorf("%q names no socket path", a)
		}
		return nil
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("%q is not host:port or unix:/path", a)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has an invalid port", a)
	}
	if strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("%q has an invalid host", a)
	}
	return nil
}

func (v *validator) publicURL(s string) {
	const key = "http.public_url"
	if s == "" {
		v.add(key, "must be set when no TCP listener is configured")
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		v.add(key, "is not a URL: %v", err)
	case u.Scheme != "https" && u.Scheme != "http":
		v.add(key, "must be an http or https URL, not %q", u.Scheme)
	case u.Host == "":
		v.add(key, "must be an absolute URL with a host")
	case u.User != nil:
		v.add(key, "must not contain user information")
	case u.RawQuery != "" || u.ForceQuery:
		v.add(key, "must not have a query (RFC 8414 §2: the issuer has no query)")
	case u.Fragment != "" || strings.Contains(s, "#"):
		v.add(key, "must not have a fragment (RFC 8414 §2: the issuer has no fragment)")
	}
}

func (v *validator) database(c *Config) {
	kind, path := c.Database.Backend()
	switch kind {
	case DatabaseUnknown:
		v.add("database.url", "%q is neither sqlite:PATH nor postgres://...", redactURL(c.Database.URL))
	case DatabaseSQLite:
		if path == "" {
			v.add("database.url", "sqlite: needs a file path")
		}
	case DatabasePostgres:
		if _, err := url.Parse(c.Database.URL); err != nil {
			v.add("database.url", "is not a valid PostgreSQL URL")
		}
	}
	if c.Database.MaxConns < 0 {
		v.add("database.max_conns", "must not be negative")
	}
}

func (v *validator) secrets(c *Config) {
	s := c.Secrets
	switch {
	case s.Encryption != "" && s.EncryptionFile != "":
		v.add("secrets.encryption", "set either secrets.encryption or secrets.encryption_file, not both")
	case s.Encryption != "":
		if b, err := hex.DecodeString(s.Encryption); err != nil || len(b) != 32 {
			v.add("secrets.encryption", "must be 64 hexadecimal characters (32 bytes); `mxauth config generate` makes one")
		}
	case c.IsPostgres():
		// Replicas share the database, so they must share the secret that seals its keys;
		// a secret generated in one replica's data directory would be unknown to the others.
		v.add("secrets.encryption", "is required with PostgreSQL (every replica needs the same secret); set it or secrets.encryption_file")
	}
	for i, k := range s.Keys {
		key := fmt.Sprintf("secrets.keys[%d]", i)
		if (k.File == "") == (k.PEM == "") {
			v.add(key, "set exactly one of file and pem")
		}
	}
}

// ParsePrefix accepts a CIDR network or a single address (as a /32 or /128 network).
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// redactURL hides a password in a database URL before it is shown.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// validServerName checks the Matrix server name grammar (CS API appendix "Server name"):
// a DNS name, an IPv4 literal or a bracketed IPv6 literal, with an optional port.
func validServerName(s string) bool {
	host, port := s, ""
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.HasSuffix(s, "]") {
		host, port = s[:i], s[i+1:]
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || len(port) > 5 {
			return false
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		return err == nil && a.Is6()
	}
	if host == "" || len(host) > 255 {
		return false
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
