package config

import "strings"

// Generate returns a commented configuration file holding the given fresh encryption secret
// (64 hex characters) and homeserver secret. Every other key is shown at its default value; the file loads and
// validates as it is.
func Generate(encryptionSecret, matrixSecret string) []byte {
	s := strings.Replace(generatedTemplate, "@SECRET@", encryptionSecret, 1)
	return []byte(strings.Replace(s, "@MATRIXSECRET@", matrixSecret, 1))
}

const generatedTemplate = `# mxauth configuration. Every key is optional except where noted; the values below are
# the defaults. docs/configuration.md describes each key.

http:
  # Addresses to serve on: "host:port" for TCP, "unix:/path/to/socket" for a unix socket.
  listen:
    - "127.0.0.1:8080"
  # The public base URL: the OAuth issuer, from which every endpoint URL is derived.
  # Use https in production (Matrix clients such as Element X refuse an http issuer).
  # Default: http://<first listen address>/
  # public_url: "https://auth.example.com/"
  # Peers whose X-Forwarded-For header is believed (CIDR or single addresses).
  trusted_proxies:
    - "127.0.0.0/8"
    - "::1/128"
    - "10.0.0.0/8"
    - "172.16.0.0/12"
    - "192.168.0.0/16"
    - "fd00::/8"
  max_body_bytes: 1048576
  max_header_bytes: 65536
  read_header_timeout: 10s
  read_timeout: 60s
  write_timeout: 60s
  idle_timeout: 120s
  # How long in-flight requests may take to finish after SIGINT/SIGTERM.
  shutdown_timeout: 30s

database:
  # "sqlite:PATH" (or a plain path) for the embedded database, or
  # "postgres://user:password@host:5432/dbname" for PostgreSQL.
  # Default: sqlite:<data_dir>/mxauth.db
  # url: "postgres://mxauth:secret@localhost:5432/mxauth"
  # Connection pool size (PostgreSQL) or SQLite reader pool size; 0 picks a default.
  max_conns: 0
  # Apply database migrations when the server starts (or run "mxauth migrate").
  migrate: true

# Where the server keeps what it generates for itself (the default SQLite database, and the
# encryption secret when secrets.encryption is not set).
data_dir: "./mxauth-data"

secrets:
  # 32 random bytes as 64 hex characters. Every encryption and MAC key is derived from it,
  # and it seals the signing keys in the database: keep it safe, and the same on every replica.
  encryption: "@SECRET@"
  # Or read it from a file instead:
  # encryption_file: "/etc/mxauth/encryption.key"
  # Signing keys in PEM files (PKCS#8, PKCS#1 RSA or SEC1 EC). When none are listed, an ES256
  # and an RS256 key are generated once and kept, sealed, in the database.
  # keys:
  #   - kid: "main-es256"
  #     file: "/etc/mxauth/es256.pem"

oauth:
  # Serve the OAuth 2.0 API. When false, auth_metadata answers 404 M_UNRECOGNIZED.
  enabled: true
  # How long access tokens live (clients refresh them).
  access_token_ttl: 5m
  # How long an authorization code may wait to be exchanged (at most 10m).
  authorization_code_ttl: 10m
  # How long a person may take to sign in and approve a login a client started.
  login_ttl: 30m

sessions:
  # How long a sign-in to mxauth's own pages lasts.
  browser_ttl: 168h

passwords:
  # Password hash computations allowed at once (0: the number of CPUs).
  max_concurrent: 0
  # The pepper of bcrypt hashes imported from Synapse (its password_config.pepper).
  bcrypt_pepper: ""

matrix:
  # "none": standalone, nothing is provisioned. "synapse": users and devices are provisioned
  # in Synapse through its /_synapse/mas/ API (see docs/synapse.md).
  kind: none
  # The homeserver's server name: user IDs are @user:homeserver.
  homeserver: "localhost"
  # Synapse's base URL as mxauth reaches it, e.g. "http://localhost:8008/" (kind: synapse).
  endpoint: ""
  # Shared with the homeserver (Synapse's matrix_authentication_service.secret): the
  # homeserver presents it to introspect access tokens, mxauth to call Synapse. Or use
  # secret_file.
  secret: "@MATRIXSECRET@"
  # Bounds each call to Synapse; the token endpoint waits for one (the device is created
  # before tokens are issued).
  timeout: 10s

registration:
  # Dynamic client registration (RFC 7591), which Matrix clients use before every login:
  # "open" or "closed" (only the static clients below can log in).
  dynamic: open
  # When not empty, only clients whose client_uri host is one of these (or a subdomain of
  # one) may register, e.g. ["element.io", "example.com"].
  allowed_client_uri_hosts: []
  # A registration that never started a session is deleted after this long.
  unused_client_max_age: 24h
  # Registrations per client IP address: a burst, then per_second on average.
  rate_limit:
    burst: 10
    per_second: 0.2

account:
  # Sign-up: "open", "token" (needs a token from "mxauth registration-token add") or "closed".
  registration: closed
  # Usernames people may not sign up with (operators can still create them).
  banned_usernames:
    literals: []
    substrings: []
    prefixes: []
    suffixes: []
    regexes: []
  display_name_change_allowed: true
  password_change_allowed: true
  deactivation_allowed: true
  password_min_length: 8
  # Refuse passwords from the bundled list of common passwords.
  reject_common_passwords: true

branding:
  # Shown in the page header; empty: the homeserver's name.
  service_name: ""
  logo_uri: ""      # an https image
  tos_uri: ""       # with this set, sign-up asks users to accept the terms
  policy_uri: ""

# Token buckets (burst, then per_second on average) for the people-facing forms.
rate_limiting:
  login:
    per_ip: {burst: 3, per_second: 0.05}
    per_account: {burst: 1800, per_second: 0.5}
  registration: {burst: 3, per_second: 0.0008}

# Static clients, e.g. a bot or an admin tool. The secret is never printed by mxauth.
clients: []
#  - client_id: "my-bot"
#    client_secret_file: "/etc/mxauth/my-bot.secret"   # or client_secret: "..."
#    token_endpoint_auth_method: client_secret_basic    # or client_secret_post, none
#    grant_types: ["authorization_code", "refresh_token"]
#    redirect_uris: ["https://bot.example.com/callback"]
#    client_name: "My bot"
#    trusted: false          # true skips the consent page for this client

metrics:
  # Serve Prometheus metrics at /metrics.
  enabled: true
  # Serve them on a separate address instead of the main listeners, e.g. "127.0.0.1:9090".
  listen: ""

log:
  # text or json
  format: text
  # debug, info, warn or error
  level: info
  # One log line per HTTP request.
  requests: true
`
