package token

import "strconv"

// Kind is what a token is for. Its prefix is the first three characters of the token.
//
// The zero Kind is no kind at all: it has no prefix, Generate refuses it and Check never
// matches it, so a forgotten field cannot accept a token.
type Kind uint8

// The kinds of token mxauth issues. The first five share their prefixes with MAS
// (SYNAPSE.md §2.1); the last four are mxauth's own (MAS keeps those secrets in other forms).
const (
	// AccessToken is an OAuth 2.0 access token (RFC 6749 §1.4), prefix "mat".
	AccessToken Kind = iota + 1
	// RefreshToken is an OAuth 2.0 refresh token (RFC 6749 §1.5), prefix "mar".
	RefreshToken
	// CompatAccessToken is an access token issued by the legacy Matrix /login API, prefix "mct".
	CompatAccessToken
	// CompatRefreshToken is a refresh token issued by the legacy Matrix /login or /refresh API,
	// prefix "mcr".
	CompatRefreshToken
	// PersonalAccessToken is a long-lived token a user creates for scripts, prefix "mpt".
	PersonalAccessToken
	// ClientSecret is a confidential client's secret (RFC 7591 §3.2.1 client_secret),
	// prefix "mcs".
	ClientSecret
	// AuthorizationCode is an authorization code (RFC 6749 §4.1.2), prefix "mac".
	AuthorizationCode
	// DeviceCode is a device code of the device authorization grant (RFC 8628 §3.2),
	// prefix "mdc". The short user_code a person types is not a token of this package.
	DeviceCode
	// RegistrationToken lets a person sign up when account.registration is "token", prefix
	// "mrt". An operator hands it out; the checksum catches a mistyped one before any lookup.
	RegistrationToken

	// kindCount is one past the last valid Kind.
	kindCount
)

// Kinds returns every valid Kind, in declaration order.
func Kinds() []Kind {
	kinds := make([]Kind, 0, kindCount-1)
	for k := AccessToken; k < kindCount; k++ {
		kinds = append(kinds, k)
	}
	return kinds
}

// Prefix returns the three-letter prefix of tokens of kind k, or "" if k is not a valid Kind.
func (k Kind) Prefix() string {
	switch k {
	case AccessToken:
		return "mat"
	case RefreshToken:
		return "mar"
	case CompatAccessToken:
		return "mct"
	case CompatRefreshToken:
		return "mcr"
	case PersonalAccessToken:
		return "mpt"
	case ClientSecret:
		return "mcs"
	case AuthorizationCode:
		return "mac"
	case DeviceCode:
		return "mdc"
	case RegistrationToken:
		return "mrt"
	}
	return ""
}

// String names the kind for logs and error messages.
func (k Kind) String() string {
	switch k {
	case AccessToken:
		return "access token"
	case RefreshToken:
		return "refresh token"
	case CompatAccessToken:
		return "compat access token"
	case CompatRefreshToken:
		return "compat refresh token"
	case PersonalAccessToken:
		return "personal access token"
	case ClientSecret:
		return "client secret"
	case AuthorizationCode:
		return "authorization code"
	case DeviceCode:
		return "device code"
	case RegistrationToken:
		return "registration token"
	}
	return "token.Kind(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the kinds declared above.
func (k Kind) Valid() bool {
	return k >= AccessToken && k < kindCount
}

// kindOfPrefix is the inverse of Prefix. It takes the prefix as a string slice of the
// presented token; the switch compiles to comparisons, so it does not allocate.
func kindOfPrefix(prefix string) Kind {
	switch prefix {
	case "mat":
		return AccessToken
	case "mar":
		return RefreshToken
	case "mct":
		return CompatAccessToken
	case "mcr":
		return CompatRefreshToken
	case "mpt":
		return PersonalAccessToken
	case "mcs":
		return ClientSecret
	case "mac":
		return AuthorizationCode
	case "mdc":
		return DeviceCode
	case "mrt":
		return RegistrationToken
	}
	return 0
}
