package model

import "time"

// Client application types (OIDC Dynamic Client Registration §2; Matrix CS API "Redirect URI
// validation" decides the allowed redirect URIs by it).
const (
	ApplicationWeb    = "web"
	ApplicationNative = "native"
)

// Token endpoint authentication methods (RFC 7591 §2).
const (
	AuthNone              = "none"
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
)

// ClientOrigin tells how a client came to exist.
type ClientOrigin string

const (
	// ClientDynamic clients registered themselves at the registration endpoint (RFC 7591).
	ClientDynamic ClientOrigin = "dynamic"
	// ClientStatic clients are declared by the operator in the config file.
	ClientStatic ClientOrigin = "static"
)

// LocalizedValue is one human-readable metadata value in one language (RFC 7591 §2.2:
// "client_name#fr").
type LocalizedValue struct {
	Field string // client_name, logo_uri, tos_uri or policy_uri
	Lang  string // a BCP 47 tag, e.g. "fr" or "en-GB"
	Value string
}

// ClientMetadata is the registered, validated and normalised metadata of a client
// (RFC 7591 §2, Matrix CS API "Client metadata").
type ClientMetadata struct {
	RedirectURIs            []string
	ResponseTypes           []string
	GrantTypes              []string
	ApplicationType         string
	TokenEndpointAuthMethod string
	ClientName              string
	ClientURI               string
	LogoURI                 string
	TOSURI                  string
	PolicyURI               string
	Contacts                []string
	// Localized holds the field#lang variants, sorted by field then language.
	Localized                []LocalizedValue
	IDTokenSignedResponseAlg string
	PostLogoutRedirectURIs   []string
}

// Client is an OAuth client known to the server.
type Client struct {
	ID       string
	Origin   ClientOrigin
	Metadata ClientMetadata
	// SecretHash is the hash of the client secret of a confidential client; nil for public
	// clients (token_endpoint_auth_method "none").
	SecretHash []byte
	// MetadataDigest identifies identical dynamic registrations, so that a client that
	// registers before every login reuses one client_id (Matrix CS API: registrations "may be
	// de-duplicated when their metadata is identical"). Empty for static clients.
	MetadataDigest string
	CreatedAt      time.Time
	// FirstUsedAt is when the first session with this client started; zero if none has.
	// An unused dynamic registration may be cleaned up; a used one is kept.
	FirstUsedAt time.Time
}
