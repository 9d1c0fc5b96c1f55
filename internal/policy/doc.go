// Package policy holds mxauth's rules as plain Go functions, with no I/O: what a client may
// register, and which redirect URI an authorisation request may use.
//
// Client registration (RFC 7591, Matrix CS API "Client registration"):
//   - ParseClientMetadata decodes and validates a registration request body and returns the
//     normalised model.ClientMetadata, or an *oauth2.Error with the code invalid_client_metadata
//     or invalid_redirect_uri (RFC 7591 §3.2.2) whose description names the field and the rule.
//   - EncodeClientMetadata gives back the registered values for the response (RFC 7591 §3.2.1).
//   - ClientMetadataDigest identifies identical registrations, so that clients that register
//     before every login (as the Matrix spec tells them to) can share one client_id.
//
// Authorisation: MatchRedirectURI compares a requested redirect URI with the registered ones
// exactly (RFC 9700 §2.1), except that a loopback URI matches with any port (RFC 8252 §7.3).
//
// The redirect URI rules are those of the Matrix CS API §"Redirect URI validation", which
// restate RFC 8252 §7 for native clients: web clients use https on the client_uri host or a
// subdomain; native clients may also use a private-use scheme that is the reverse-DNS form of
// the client_uri host, or http on a loopback host without a port.
package policy
