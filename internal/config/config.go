package config

import "time"

// Config is the whole configuration file. The YAML keys are the field tags; docs/configuration.md
// describes every one of them.
type Config struct {
	HTTP     HTTP     `yaml:"http"`
	Database Database `yaml:"database"`
	// DataDir holds what the server generates for itself: the SQLite database (by default)
	// and the encryption secret when none is configured.
	DataDir   string    `yaml:"data_dir"`
	Secrets   Secrets   `yaml:"secrets"`
	OAuth     OAuth     `yaml:"oauth"`
	Sessions  Sessions  `yaml:"sessions"`
	Passwords Passwords `yaml:"passwords"`
	// Matrix names the homeserver mxauth logs users in to.
	Matrix Matrix `yaml:"matrix"`
	// Registration governs dynamic client registration (RFC 7591).
	Registration Registration `yaml:"registration"`
	// Account governs user sign-up and what users may change on their account pages.
	Account Account `yaml:"account"`
	// Branding is the operator's name, logo and legal links on every page.
	Branding Branding `yaml:"branding"`
	// RateLimiting limits sign-in and sign-up attempts.
	RateLimiting RateLimiting `yaml:"rate_limiting"`
	// Clients are static clients declared by the operator, synced into the store at start.
	Clients []StaticClient `yaml:"clients"`
	Metrics Metrics        `yaml:"metrics"`
	Log     Log            `yaml:"log"`

	// keyLines maps each dotted key read from the file to its line, for Validate's messages.
	keyLines map[string]int
}

// HTTP configures the listeners and how the server sees the outside world.
type HTTP struct {
	// Listen lists the addresses to serve on: "host:port" for TCP, "unix:/path" for a unix socket.
	Listen []string `yaml:"listen"`
	// PublicURL is the base URL clients reach the server at. It is the OAuth issuer, and every
	// endpoint URL in the discovery document is derived from it.
	PublicURL string `yaml:"public_url"`
	// TrustedProxies lists the networks (CIDR or single addresses) whose X-Forwarded-For
	// header is believed.
	TrustedProxies    []string      `yaml:"trusted_proxies"`
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`
	MaxHeaderBytes    int           `yaml:"max_header_bytes"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
}

// Database selects and tunes the storage backend.
type Database struct {
	// URL is "sqlite:PATH", a plain file path (SQLite), or "postgres://..." / "postgresql://...".
	URL string `yaml:"url"`
	// MaxConns caps the PostgreSQL pool, or the SQLite reader pool. 0 picks a default.
	MaxConns int `yaml:"max_conns"`
	// Migrate applies pending migrations when the server starts.
	Migrate bool `yaml:"migrate"`
}

// Secrets holds the server's own secret material.
type Secrets struct {
	// Encryption is 64 hex characters (32 bytes) from which every encryption and MAC key is
	// derived. EncryptionFile names a file holding it instead.
	Encryption     string `yaml:"encryption"`
	EncryptionFile string `yaml:"encryption_file"`
	// Keys are signing keys supplied by the operator. When empty, an ES256 and an RS256 key are
	// generated once and kept, sealed, in the database.
	Keys []Key `yaml:"keys"`
}

// Key is one operator-supplied PEM signing key.
type Key struct {
	KID  string `yaml:"kid"`
	File string `yaml:"file"`
	PEM  string `yaml:"pem"`
}

// OAuth switches the OAuth 2.0 API on or off. Off, auth_metadata answers 404 M_UNRECOGNIZED,
// as the Matrix spec asks of a homeserver that does not support the OAuth 2.0 API.
type OAuth struct {
	Enabled bool `yaml:"enabled"`
	// AccessTokenTTL is how long an access token lives; the spec wants it short-lived.
	AccessTokenTTL time.Duration `yaml:"access_token_ttl"`
	// AuthorizationCodeTTL is how long a code may wait to be exchanged (RFC 6749 §4.1.2
	// recommends at most 10 minutes).
	AuthorizationCodeTTL time.Duration `yaml:"authorization_code_ttl"`
	// LoginTTL is how long a user may take to sign in and consent once a client sent them.
	LoginTTL time.Duration `yaml:"login_ttl"`
}

// Sessions configures the browser sessions of mxauth's own pages.
type Sessions struct {
	// BrowserTTL is how long a sign-in to mxauth's pages lasts.
	BrowserTTL time.Duration `yaml:"browser_ttl"`
}

// Passwords configures password hashing.
type Passwords struct {
	// MaxConcurrent caps password hash computations running at once, so a login storm
	// cannot starve other requests; 0 means the number of CPUs.
	MaxConcurrent int `yaml:"max_concurrent"`
	// BcryptPepper is the pepper of bcrypt hashes imported from Synapse
	// (password_config.pepper); BcryptPepperFile names a file holding it.
	BcryptPepper     string `yaml:"bcrypt_pepper"`
	BcryptPepperFile string `yaml:"bcrypt_pepper_file"`
}

// Matrix describes the homeserver (SYNAPSE.md §1.1: the same keys as MAS's matrix section).
type Matrix struct {
	// Kind is "none" (mxauth runs standalone and provisions nothing) or "synapse" (users and
	// devices are provisioned in Synapse through its /_synapse/mas/ API).
	Kind string `yaml:"kind"`
	// Homeserver is the homeserver's server name, the domain of user IDs (@alice:Homeserver).
	Homeserver string `yaml:"homeserver"`
	// Endpoint is the homeserver's base URL as mxauth reaches it (e.g. http://localhost:8008/).
	Endpoint string `yaml:"endpoint"`
	// Secret is shared with the homeserver: it authenticates the homeserver's token
	// introspection requests (Authorization: Bearer <secret>) and mxauth's calls to the
	// homeserver. SecretFile names a file holding it instead (trimmed, as Synapse does).
	Secret     string `yaml:"secret"`
	SecretFile string `yaml:"secret_file"`
	// Timeout bounds each call to the homeserver. The token endpoint waits for one such call
	// (the device must exist before tokens are issued), so keep it short.
	Timeout time.Duration `yaml:"timeout"`
}

// Matrix kinds.
const (
	MatrixKindNone    = "none"
	MatrixKindSynapse = "synapse"
)

// Registration governs the dynamic client registration endpoint.
type Registration struct {
	// Dynamic is "open" (anyone may register a client, as Matrix clients expect) or "closed"
	// (only static clients exist).
	Dynamic string `yaml:"dynamic"`
	// AllowedClientURIHosts, when not empty, restricts registrations to clients whose
	// client_uri host is one of these or a subdomain of one (a guard against phishing clients).
	AllowedClientURIHosts []string `yaml:"allowed_client_uri_hosts"`
	// UnusedClientMaxAge is how long a registration that never started a session is kept.
	UnusedClientMaxAge time.Duration `yaml:"unused_client_max_age"`
	// RateLimit limits registrations per client IP address.
	RateLimit RateLimit `yaml:"rate_limit"`
}

// RateLimit is a token bucket: Burst requests at once, refilled at PerSecond.
type RateLimit struct {
	Burst     int     `yaml:"burst"`
	PerSecond float64 `yaml:"per_second"`
}

// StaticClient is an OAuth client declared in the config, typically a confidential client
// such as a bot or an admin tool.
type StaticClient struct {
	ClientID                string   `yaml:"client_id"`
	ClientSecret            string   `yaml:"client_secret"`
	ClientSecretFile        string   `yaml:"client_secret_file"`
	TokenEndpointAuthMethod string   `yaml:"token_endpoint_auth_method"`
	RedirectURIs            []string `yaml:"redirect_uris"`
	GrantTypes              []string `yaml:"grant_types"`
	ClientName              string   `yaml:"client_name"`
	ClientURI               string   `yaml:"client_uri"`
	// Trusted clients skip the consent page (the operator vouches for them).
	Trusted bool `yaml:"trusted"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	Enabled bool `yaml:"enabled"`
	// Listen, when set, serves /metrics on its own address instead of the main listeners.
	Listen string `yaml:"listen"`
}

// Log configures structured logging.
type Log struct {
	Format   string `yaml:"format"` // text or json
	Level    string `yaml:"level"`  // debug, info, warn or error
	Requests bool   `yaml:"requests"`
}

// Default returns the configuration used when nothing is set. Values that depend on other
// values (the public URL, the database path) are filled in by Resolve.
func Default() Config {
	return Config{
		HTTP: HTTP{
			Listen: []string{"127.0.0.1:8080"},
			TrustedProxies: []string{
				"127.0.0.0/8", "::1/128",
				"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8",
			},
			MaxBodyBytes:      1 << 20,
			MaxHeaderBytes:    64 << 10,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   30 * time.Second,
		},
		Database: Database{Migrate: true},
		DataDir:  "./mxauth-data",
		OAuth: OAuth{
			Enabled:              true,
			AccessTokenTTL:       5 * time.Minute,
			AuthorizationCodeTTL: 10 * time.Minute,
			LoginTTL:             30 * time.Minute,
		},
		Sessions: Sessions{BrowserTTL: 7 * 24 * time.Hour},
		Matrix:   Matrix{Kind: MatrixKindNone, Homeserver: "localhost", Timeout: 10 * time.Second},
		Registration: Registration{
			Dynamic:            "open",
			UnusedClientMaxAge: 24 * time.Hour,
			RateLimit:          RateLimit{Burst: 10, PerSecond: 0.2},
		},
		Account:      defaultAccount(),
		RateLimiting: defaultRateLimiting(),
		Metrics:      Metrics{Enabled: true},
		Log:          Log{Format: "text", Level: "info", Requests: true},
	}
}
