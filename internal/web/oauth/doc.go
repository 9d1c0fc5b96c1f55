// Package oauth serves mxauth's protocol endpoints: the server metadata document (RFC 8414,
// Matrix "Server metadata discovery") under all its names, and the JWKS. Each endpoint lives in
// its own file and adds what it offers to the one Metadata builder when it is mounted, so the
// document names exactly the endpoints and values that really work.
package oauth
