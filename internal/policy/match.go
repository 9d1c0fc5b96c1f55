package policy

import "strings"

// MatchRedirectURI decides which redirect URI an authorisation request may use. The requested
// URI must equal a registered one byte for byte (RFC 9700 §2.1, RFC 6749 §3.1.2.3): no case
// folding, no percent-decoding, no trailing-slash tolerance. The one exception is a loopback
// URI: a registered http://localhost/..., http://127.0.0.1/... or http://[::1]/... (which has
// no port) matches the same URI with any port, because a native app listens on whatever port
// it gets (RFC 8252 §7.3; Matrix CS API: "The homeserver MUST then accept any port number").
//
// It returns the requested URI, which is the one to redirect to, and whether it matched.
func MatchRedirectURI(registered []string, requested string) (string, bool) {
	// RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component." Registered
	// URIs never have one; this keeps a misconfigured static client from matching either.
	if strings.Contains(requested, "#") {
		return "", false
	}
	for _, r := range registered {
		if r == requested {
			return requested, true
		}
	}
	withoutPort, ok := stripLoopbackPort(requested)
	if !ok {
		return "", false
	}
	for _, r := range registered {
		if r == withoutPort {
			return requested, true
		}
	}
	return "", false
}

// stripLoopbackPort turns http://<loopback host>:<port><rest> into http://<loopback host><rest>,
// changing nothing else, and reports whether uri had that form.
func stripLoopbackPort(uri string) (string, bool) {
	const prefix = "http://"
	if len(uri) < len(prefix) || !strings.EqualFold(uri[:len(prefix)], prefix) {
		return "", false
	}
	rest := uri[len(prefix):]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	colon := strings.LastIndexByte(authority, ':')
	if colon < 0 {
		return "", false
	}
	host, port := authority[:colon], authority[colon+1:]
	if !isLoopbackAuthorityHost(host) || !validPort(port) {
		return "", false
	}
	return uri[:len(prefix)] + host + tail, true
}

// isLoopbackAuthorityHost reports whether host, as written in an authority, is one of the
// loopback hosts a native client may register (Matrix CS API §Redirect URI validation).
func isLoopbackAuthorityHost(host string) bool {
	return strings.EqualFold(host, "localhost") || host == "127.0.0.1" || host == "[::1]"
}
