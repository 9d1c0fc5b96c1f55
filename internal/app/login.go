package app

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/mxauth/mxauth/internal/activity"
	"github.com/mxauth/mxauth/internal/config"
	"github.com/mxauth/mxauth/internal/password"
	"github.com/mxauth/mxauth/internal/ratelimit"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/account"
	"github.com/mxauth/mxauth/internal/web/oauth"
	"github.com/mxauth/mxauth/internal/web/session"
)

// csrfKeyPurpose names the CSRF MAC key derived from the server secret.
const csrfKeyPurpose = "csrf-token-mac"

// mountLoginFlow mounts the authorization code flow: /authorize, the sign-in and consent
// pages, the token endpoint, userinfo, revocation and introspection, and adds the OIDC
// fields they make true.
func (a *App) mountLoginFlow(mux *http.ServeMux, iss oauth.Issuer, md *oauth.Metadata) error {
	cfg := a.cfg
	pages, err := template.New()
	if err != nil {
		return err
	}
	hasher, err := NewPasswordHasher(cfg.Passwords)
	if err != nil {
		return err
	}
	layout := template.Layout{ServerName: cfg.Matrix.Homeserver, BasePath: iss.PathPrefix(), Branding: template.Branding{
		ServiceName: cfg.Branding.ServiceName, LogoURI: cfg.Branding.LogoURI,
		TOSURI: cfg.Branding.TOSURI, PolicyURI: cfg.Branding.PolicyURI,
	}}
	browser := session.New(session.Options{
		Sessions: a.store.BrowserSessions(), Users: a.store.Users(),
		Secure: strings.HasPrefix(cfg.HTTP.PublicURL, "https://"), TTL: cfg.Sessions.BrowserTTL,
		Clock: a.clock, Rand: a.rand, CSRFKey: a.box.Derive(csrfKeyPurpose, 32),
	})
	trusted := map[string]bool{}
	for _, c := range cfg.Clients {
		if c.Trusted {
			trusted[c.ClientID] = true
		}
	}
	a.activity, err = activity.New(activity.Options{Store: a.store.Sessions(), Logger: a.log})
	if err != nil {
		return err
	}
	flow := &oauth.Flow{
		Homeserver: a.syncer, Activity: a.activity,
		Issuer: iss, Store: a.store, Keys: a.keys, Pages: pages, Browser: browser,
		Clock: a.clock, Rand: a.rand, Logger: a.log, Layout: layout, TrustedClients: trusted,
		AccessTokenTTL: cfg.OAuth.AccessTokenTTL, CodeTTL: cfg.OAuth.AuthorizationCodeTTL, LoginTTL: cfg.OAuth.LoginTTL,
	}
	flow.SignupEnabled = cfg.Account.RegistrationEnabled()
	flow.MountAuthorize(mux, md)
	flow.MountToken(mux, md)
	flow.MountUserinfo(mux, md)
	flow.MountRevoke(mux, md)
	if err := a.mountIntrospection(mux, md, flow); err != nil {
		return err
	}
	md.SubjectTypesSupported = []string{"public"}
	md.IDTokenSigningAlgValuesSupported = a.keys.Algs()
	accountPages := &account.Pages{
		Flow: flow, Store: a.store, Browser: browser, Passwords: hasher, Renderer: pages,
		Layout: layout, Clock: a.clock, Logger: a.log, ServerName: cfg.Matrix.Homeserver,
		Prefix: iss.PathPrefix(),
	}
	accountPages.Limits = a.formRateLimits()
	accountPages.Mount(mux)
	if err := a.mountSignup(mux, accountPages); err != nil {
		return err
	}
	a.mountAccountManagement(mux, iss, md, accountPages)
	mux.Handle("GET "+template.AssetPrefix, pages.AssetHandler())
	// Browsers ask for a favicon after every page; say there is none rather than 404.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	return nil
}

// mountAccountManagement serves the account pages at account_management_uri and advertises
// them with their deep-link actions (Matrix CS API §Account management, MSC4191).
func (a *App) mountAccountManagement(mux *http.ServeMux, iss oauth.Issuer, md *oauth.Metadata, pages *account.Pages) {
	acc := a.cfg.Account
	opts := account.ManagementOptions{
		DisplayNameChangeAllowed: acc.DisplayNameChangeAllowed, PasswordChangeAllowed: acc.PasswordChangeAllowed,
		DeactivationAllowed: acc.DeactivationAllowed,
		PasswordPolicy:      password.Policy{MinLength: acc.PasswordMinLength, RejectCommon: acc.RejectCommonPasswords},
	}
	(&account.Management{Pages: pages, Homeserver: a.syncer, Options: opts}).Mount(mux)
	md.AccountManagementURI = iss.URL(account.PathAccount)
	md.AccountManagementActionsSupported = opts.ActionsSupported()
}

// mountIntrospection serves token introspection for the homeserver; the flow's activity
// buffer records token use off the request path (Serve runs its flush loop; Close flushes it).
func (a *App) mountIntrospection(mux *http.ServeMux, md *oauth.Metadata, flow *oauth.Flow) error {
	secret, err := HomeserverSecret(a.cfg.Matrix)
	if err != nil {
		return err
	}
	flow.MountIntrospect(mux, md, oauth.IntrospectOptions{Secret: secret})
	return nil
}

// HomeserverSecret returns matrix.secret, or the contents of matrix.secret_file read once now
// and trimmed, as Synapse and MAS trim theirs. The server and `mxauth doctor` share it.
func HomeserverSecret(m config.Matrix) (string, error) {
	if m.SecretFile == "" {
		return m.Secret, nil
	}
	b, err := os.ReadFile(m.SecretFile)
	if err != nil {
		return "", fmt.Errorf("matrix.secret_file: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", fmt.Errorf("matrix.secret_file: %s is empty", m.SecretFile)
	}
	return secret, nil
}

// NewPasswordHasher builds the password hasher from the passwords section; the server and the
// CLI share it, so a password set with `mxauth user set-password` verifies at sign-in.
func NewPasswordHasher(p config.Passwords) (*password.Hasher, error) {
	pepper := p.BcryptPepper
	if p.BcryptPepperFile != "" {
		b, err := os.ReadFile(p.BcryptPepperFile)
		if err != nil {
			return nil, err
		}
		pepper = strings.TrimSpace(string(b))
	}
	opts := password.Options{MaxConcurrent: p.MaxConcurrent, Rand: rand.Reader}
	if pepper != "" {
		opts.Bcrypt.Pepper = []byte(pepper)
	}
	return password.New(opts)
}

// Username checks per client address on the sign-up form (each may ask the homeserver):
// MAS has no such limit, so these are ours, generous enough for a person typing with the
// live check (one request per pause) and checking a few names by hand.
const (
	usernameChecksBurst     = 30
	usernameChecksPerSecond = 0.5
)

// formRateLimits builds the buckets of the sign-in and sign-up forms from rate_limiting.
func (a *App) formRateLimits() account.RateLimits {
	rl := a.cfg.RateLimiting
	return account.RateLimits{
		LoginPerIP:          ratelimit.New(rl.Login.PerIP.Burst, rl.Login.PerIP.PerSecond, a.clock),
		LoginPerAccount:     account.StoreBucket{Burst: rl.Login.PerAccount.Burst, PerSecond: rl.Login.PerAccount.PerSecond},
		RegistrationPerIP:   ratelimit.New(rl.Registration.Burst, rl.Registration.PerSecond, a.clock),
		UsernameChecksPerIP: ratelimit.New(usernameChecksBurst, usernameChecksPerSecond, a.clock),
	}
}

// mountSignup serves sign-up (account.registration open or token; closed pages answer 404).
func (a *App) mountSignup(mux *http.ServeMux, pages *account.Pages) error {
	acc := a.cfg.Account
	banned := acc.BannedUsernames
	signup, err := account.NewSignup(pages, a.syncer, account.SignupOptions{
		Enabled:       acc.RegistrationEnabled(),
		TokenRequired: acc.Registration == config.RegistrationToken,
		BannedUsernames: account.UsernameRules{
			Literals: banned.Literals, Substrings: banned.Substrings, Prefixes: banned.Prefixes,
			Suffixes: banned.Suffixes, Regexes: banned.Regexes,
		},
		Password: password.Policy{MinLength: acc.PasswordMinLength, RejectCommon: acc.RejectCommonPasswords},
	})
	if err != nil {
		return err
	}
	signup.Mount(mux)
	return nil
}
