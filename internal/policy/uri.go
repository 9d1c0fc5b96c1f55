package policy

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// parseURI parses s as an absolute URI, first refusing any character RFC 3986 §2 does not
// allow in a URI (spaces, quotes, non-ASCII, ...) and broken percent-encoding: url.Parse is
// lenient about both, and a registered URI must be compared byte for byte later on. The
// returned problem is "" when s is fine.
func parseURI(s string) (*url.URL, string) {
	if s == "" {
		return nil, "must not be empty"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, "has a malformed percent-encoding (RFC 3986 section 2.1)"
			}
			continue
		}
		if !isURIChar(c) {
			return nil, "contains a character that is not allowed in a URI (RFC 3986 section 2)"
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, "is not a valid URI"
	}
	if u.Scheme == "" {
		return nil, "must be an absolute URI with a scheme"
	}
	return u, ""
}

// isURIChar reports whether c is an RFC 3986 unreserved or reserved character ('%' is
// handled by the caller).
func isURIChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// httpsURIProblem checks the rules every https URI of the metadata shares (Matrix CS API
// §Client metadata): the https scheme, an authority with a valid host and port, and no user
// or password in the authority.
func httpsURIProblem(u *url.URL) string {
	if u.Scheme != "https" {
		return "must use the https scheme"
	}
	if u.Opaque != "" || u.Host == "" {
		return "must have a host"
	}
	if u.User != nil {
		return "must not have a user or password in the authority component"
	}
	return hostPortProblem(u)
}

// hostPortProblem checks that the authority of u holds a usable host: a DNS name or an IP
// literal, and a port in range if one is given.
func hostPortProblem(u *url.URL) string {
	if !validHost(u.Hostname()) {
		return "has an invalid host"
	}
	if strings.HasSuffix(u.Host, ":") {
		return "has an empty port"
	}
	if port := u.Port(); port != "" && !validPort(port) {
		return "has an invalid port"
	}
	return ""
}

// validHost accepts an IP address without zone, or a DNS name of letter-digit-hyphen labels
// (RFC 1123 §2.1) whose last label is not all digits. Anything else (a trailing dot, an empty
// label, non-ASCII) is refused, so that the host comparisons below see one spelling per host.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		return addr.Zone() == ""
	}
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, label := range labels {
		if !validLabel(label) {
			return false
		}
	}
	return !allDigits(labels[len(labels)-1])
}

func validLabel(label string) bool {
	if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validPort accepts 1 to 65535 written in decimal, as url.Parse checks only that a port is
// made of digits.
func validPort(port string) bool {
	if len(port) == 0 || len(port) > 5 || !allDigits(port) {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// hostWithin reports whether host is base or a subdomain of it (Matrix CS API §Client
// metadata: the other URIs "MUST be either on the same host or on a subdomain of the host of
// the client_uri"). Hosts compare case-insensitively (RFC 3986 §3.2.2); an IP address has no
// subdomains.
func hostWithin(host, base string) bool {
	host, base = strings.ToLower(host), strings.ToLower(base)
	if host == base {
		return true
	}
	if _, err := netip.ParseAddr(base); err == nil {
		return false
	}
	return strings.HasSuffix(host, "."+base)
}

// clientURIHost validates client_uri and returns its lower-case host, the base of every other
// URI in the metadata. client_uri "MUST use the https scheme" and "MUST NOT use a user or
// password in the authority component" (Matrix CS API §Client metadata).
func clientURIHost(clientURI string, allowedHosts []string) (string, string) {
	u, problem := parseURI(clientURI)
	if problem == "" {
		problem = httpsURIProblem(u)
	}
	if problem != "" {
		return "", problem
	}
	host := strings.ToLower(u.Hostname())
	if len(allowedHosts) == 0 {
		return host, ""
	}
	for _, allowed := range allowedHosts {
		if hostWithin(host, allowed) {
			return host, ""
		}
	}
	return "", "is on a host this server does not accept registrations from"
}

// sameSiteHTTPSProblem checks logo_uri, tos_uri and policy_uri (and their localised variants):
// https, no user or password, on the client_uri host or a subdomain; port, path and query may
// differ (Matrix CS API §Client metadata).
func sameSiteHTTPSProblem(raw, clientHost string) string {
	u, problem := parseURI(raw)
	if problem == "" {
		problem = httpsURIProblem(u)
	}
	if problem == "" && !hostWithin(u.Hostname(), clientHost) {
		problem = "must be on the client_uri host or a subdomain of it"
	}
	return problem
}
