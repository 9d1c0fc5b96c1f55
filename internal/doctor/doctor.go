package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Status is the outcome of one check.
type Status string

const (
	// StatusOK: the check passed.
	StatusOK Status = "ok"
	// StatusWarn: it works, but some clients or some features will not.
	StatusWarn Status = "warn"
	// StatusFail: clients cannot log in through this deployment until it is fixed.
	StatusFail Status = "fail"
	// StatusSkip: the check could not run, because its input is unknown or an earlier check
	// that it needs failed.
	StatusSkip Status = "skip"
)

// Result is one check's outcome, one line of `mxauth doctor`.
type Result struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Fix says what to change; set on failures and warnings.
	Fix string `json:"fix,omitempty"`
}

// Options say what to check. Only HomeserverURL is required: with nothing else, Run checks
// any homeserver's OAuth 2.0 discovery (standalone mode).
type Options struct {
	// HomeserverURL is the homeserver's client-facing base URL (https://matrix.example.org),
	// or its server name (example.org), from which the base URL is found through
	// https://<server_name>/.well-known/matrix/client.
	HomeserverURL string
	// Issuer is mxauth's public URL, its OAuth issuer. Empty: the metadata's issuer is not
	// compared with anything and the routing checks are skipped, since any authorization
	// server may be behind the homeserver.
	Issuer string
	// SynapseEndpoint is Synapse's base URL as mxauth reaches it (matrix.endpoint) and Secret
	// the secret they share; the shared-secret check runs only when both are set. The secret
	// is sent only to SynapseEndpoint and never appears in a Result.
	SynapseEndpoint string
	Secret          string
	// HTTPClient sends every request; nil means a client of its own. Its redirect policy is
	// kept, except for the routing checks, which never follow redirects.
	HTTPClient *http.Client
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout bounds each request when Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// Validate reports options that no check could use: a homeserver that is neither a URL nor
// a server name, URLs that are not absolute http(s) URLs, a negative timeout.
func (o Options) Validate() error {
	var problems []string
	if _, err := parseHomeserver(o.HomeserverURL); err != nil {
		problems = append(problems, err.Error())
	}
	for _, u := range []struct{ name, value string }{{"issuer", o.Issuer}, {"Synapse endpoint", o.SynapseEndpoint}} {
		if u.value == "" {
			continue
		}
		if _, err := parseHTTPURL(u.value); err != nil {
			problems = append(problems, fmt.Sprintf("the %s %q: %v", u.name, u.value, err))
		}
	}
	if o.Timeout < 0 {
		problems = append(problems, "the timeout is negative")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Run runs every check and returns their results in a fixed order. It never fails as a
// whole: a bad option or an unreachable server is the failure of the checks that need it.
func Run(ctx context.Context, opts Options) []Result {
	p := newProber(opts.HTTPClient, opts.Timeout)
	var results []Result

	hs, err := parseHomeserver(opts.HomeserverURL)
	var base string
	if err != nil {
		results = append(results, Result{Name: nameWellKnown, Status: StatusFail, Detail: err.Error(),
			Fix: "give the homeserver's server name (example.org) or its client URL (https://matrix.example.org)"})
	} else {
		var wk Result
		base, wk = checkWellKnown(ctx, p, hs, opts.Issuer)
		results = append(results, wk)
	}

	results = append(results, checkVersions(ctx, p, base))
	md := checkAuthMetadata(ctx, p, base, opts.Issuer)
	results = append(results, md.results...)
	results = append(results, checkRouting(ctx, p, base, opts.Issuer)...)
	results = append(results, checkSharedSecret(ctx, p, opts.SynapseEndpoint, opts.Secret))
	results = append(results, checkIssuerHTTPS(opts.Issuer, md.issuer), checkHomeserverHTTPS(base))
	return results
}

// Failed counts the failed checks: `mxauth doctor` exits 1 when there is any.
func Failed(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Status == StatusFail {
			n++
		}
	}
	return n
}

// homeserver is the parsed Options.HomeserverURL.
type homeserver struct {
	// origin is where the client well-known is looked up: https://<server_name>, or the
	// scheme and host of the URL given.
	origin string
	// base is the client base URL to use when the well-known names none: the URL given, or
	// https://<server_name> (the Matrix spec's fallback when the well-known is 404).
	base string
	// byName is true when a server name was given rather than a URL.
	byName bool
}

func parseHomeserver(s string) (homeserver, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return homeserver{}, errors.New("no homeserver given")
	}
	if strings.Contains(s, "://") {
		u, err := parseHTTPURL(s)
		if err != nil {
			return homeserver{}, fmt.Errorf("the homeserver URL %q: %v", s, err)
		}
		origin := u.Scheme + "://" + u.Host
		return homeserver{origin: origin, base: strings.TrimRight(s, "/")}, nil
	}
	// A server name is a host name or IP literal with an optional port (Matrix spec
	// §Server name); anything url.Parse would read differently is not one.
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host != s || u.Hostname() == "" || u.User != nil {
		return homeserver{}, fmt.Errorf("%q is neither a URL nor a Matrix server name", s)
	}
	return homeserver{origin: "https://" + s, base: "https://" + s, byName: true}, nil
}

// parseHTTPURL accepts an absolute http or https URL without user info, query or fragment.
func parseHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, errors.New("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("not an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("has user info")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, errors.New("has a query or fragment")
	}
	return u, nil
}

// skipped is the result of a check that could not run.
func skipped(name, why string) Result {
	return Result{Name: name, Status: StatusSkip, Detail: "skipped: " + why}
}
