package policy

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/mxauth/mxauth/internal/model"
)

// redirectURIProblem checks one redirect URI of a client of the given application type whose
// client_uri host is clientHost, following Matrix CS API §Redirect URI validation (which
// restates RFC 8252 §7 for native clients). It returns "" when the URI is acceptable, and
// otherwise the rule it breaks.
func redirectURIProblem(applicationType, clientHost, raw string) string {
	// "In all cases, the redirect URI MUST NOT have a fragment component" (also RFC 6749
	// §3.1.2). An empty fragment ("...#") counts: url.URL cannot tell it from none.
	if strings.Contains(raw, "#") {
		return "must not have a fragment component"
	}
	u, problem := parseURI(raw)
	if problem != "" {
		return problem
	}
	if applicationType == model.ApplicationWeb {
		if u.Scheme != "https" {
			return "a web client must use an https redirect URI on its client_uri host " +
				"(loopback and private-use scheme redirect URIs are for native clients)"
		}
		return claimedHTTPSProblem(u, clientHost)
	}
	switch u.Scheme {
	case "https":
		// "Claimed https Scheme URI: The same rules as for web clients apply."
		return claimedHTTPSProblem(u, clientHost)
	case "http":
		return loopbackProblem(u)
	default:
		return privateUseProblem(u, raw, clientHost)
	}
}

// claimedHTTPSProblem applies the web rules: https, no user or password, the client_uri host
// or a subdomain as authority (any port), and a query only in
// application/x-www-form-urlencoded form.
func claimedHTTPSProblem(u *url.URL, clientHost string) string {
	if problem := httpsURIProblem(u); problem != "" {
		return problem
	}
	if !hostWithin(u.Hostname(), clientHost) {
		return "an https redirect URI must be on the client_uri host or a subdomain of it"
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return "the query component must be application/x-www-form-urlencoded"
	}
	return ""
}

// loopbackProblem applies RFC 8252 §7.3 as the Matrix spec words it: scheme http, host
// localhost, 127.0.0.1 or [::1], and no port, because the client picks one at run time and the
// server "MUST then accept any port number during the authorisation flow" (MatchRedirectURI).
func loopbackProblem(u *url.URL) string {
	if u.Opaque != "" || u.Host == "" {
		return "must have a host"
	}
	if u.User != nil {
		return "must not have a user or password in the authority component"
	}
	// "The host part MUST be localhost, 127.0.0.1, or [::1]"; Hostname drops the brackets.
	switch strings.ToLower(u.Hostname()) {
	case "localhost", "127.0.0.1", "::1":
	default:
		return "an http redirect URI must be on a loopback host: localhost, 127.0.0.1 or [::1] (RFC 8252 section 7.3)"
	}
	if u.Port() != "" || strings.HasSuffix(u.Host, ":") {
		return "a loopback redirect URI must not have a port; any port is accepted at authorisation time (RFC 8252 section 7.3)"
	}
	return ""
}

// privateUseProblem applies RFC 8252 §7.1 as the Matrix spec words it: the scheme is the
// client_uri host in reverse-DNS notation, possibly followed by more labels, and there is no
// authority component ("a single slash or none immediately following the scheme").
//
// "Prefixed with the client URI hostname in reverse-DNS notation" is read label by label: for
// example.com, com.example and com.example.app match, com.exampleapp does not.
func privateUseProblem(u *url.URL, raw, clientHost string) string {
	if !strings.Contains(u.Scheme, ".") {
		return "a private-use URI scheme must be a reverse domain name such as com.example.app (RFC 8252 section 7.1)"
	}
	if !reverseDNSPrefix(u.Scheme, clientHost) {
		return "a private-use URI scheme must start with the client_uri host in reverse-DNS notation (RFC 8252 section 7.1)"
	}
	// url.Parse lower-cases the scheme; the raw text after it is what the client wrote.
	rest := raw[len(u.Scheme)+1:]
	if strings.HasPrefix(rest, "//") {
		return "a private-use URI scheme redirect URI must not have an authority component: use one slash or none after the scheme (RFC 8252 section 7.1)"
	}
	return ""
}

// reverseDNSPrefix reports whether the dot-separated labels of scheme start with the labels of
// host in reverse order, comparing case-insensitively.
func reverseDNSPrefix(scheme, host string) bool {
	if _, err := netip.ParseAddr(host); err == nil || !validHost(host) {
		return false // an IP address has no reverse-DNS form
	}
	hostLabels := strings.Split(strings.ToLower(host), ".")
	schemeLabels := strings.Split(strings.ToLower(scheme), ".")
	if len(schemeLabels) < len(hostLabels) {
		return false
	}
	for i, label := range hostLabels {
		if schemeLabels[len(hostLabels)-1-i] != label {
			return false
		}
	}
	return true
}
