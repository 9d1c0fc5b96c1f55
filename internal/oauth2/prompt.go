package oauth2

// Values of the OIDC prompt parameter (OIDC Core §3.1.2.1) and of "create" (Initiating User
// Registration via OpenID Connect 1.0, which the Matrix spec uses for sign-up).
const (
	PromptNone          = "none"
	PromptLogin         = "login"
	PromptConsent       = "consent"
	PromptSelectAccount = "select_account"
	PromptCreate        = "create"
)
