package policy

import (
	"slices"
	"strings"
	"unicode"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
)

// ParseClientMetadata decodes a dynamic client registration request body (RFC 7591 §3.1, the
// Matrix CS API "OAuthClientMetadata"), checks it against the Matrix rules, and returns the
// normalised metadata to register. On failure the error is always an *oauth2.Error with the
// code invalid_client_metadata or, for a redirect URI, invalid_redirect_uri (RFC 7591 §3.2.2),
// and its description names the field and the rule.
//
// Normalisation: defaults are filled in (application_type "web", token_endpoint_auth_method
// "client_secret_basic", grant_types ["authorization_code"], id_token_signed_response_alg
// RS256), grant and response types the server does not support are dropped and the rest sorted,
// repeated entries are dropped, empty strings count as absent, and localised values are sorted.
// Unknown keys are ignored, as RFC 7591 §2 lets clients send extensions.
func ParseClientMetadata(body []byte, opts RegistrationOptions) (model.ClientMetadata, error) {
	members, e := decodeObject(body)
	if e != nil {
		return model.ClientMetadata{}, e
	}
	var req registrationRequest
	if e := req.read(members); e != nil {
		return model.ClientMetadata{}, e
	}
	m, e := req.validate(opts)
	if e != nil {
		return model.ClientMetadata{}, e
	}
	return m, nil
}

// registrationRequest is the registration body decoded into Go types, not yet validated.
type registrationRequest struct {
	redirectURIs, postLogoutRedirectURIs, contacts []string
	grantTypes, responseTypes                      []string
	grantTypesSet, responseTypesSet                bool
	applicationType, authMethod, idTokenAlg        string
	clientName, clientURI, logoURI, tosURI         string
	policyURI                                      string
	localized                                      []model.LocalizedValue
}

func (r *registrationRequest) read(members []member) *oauth2.Error {
	for _, m := range members {
		var e *oauth2.Error
		switch m.key {
		case "redirect_uris":
			r.redirectURIs, _, e = stringArrayValue(m.key, m.value, MaxRedirectURIs)
		case "post_logout_redirect_uris":
			r.postLogoutRedirectURIs, _, e = stringArrayValue(m.key, m.value, MaxRedirectURIs)
		case "contacts":
			r.contacts, _, e = stringArrayValue(m.key, m.value, MaxContacts)
		case "grant_types":
			r.grantTypes, r.grantTypesSet, e = stringArrayValue(m.key, m.value, MaxTypeValues)
		case "response_types":
			r.responseTypes, r.responseTypesSet, e = stringArrayValue(m.key, m.value, MaxTypeValues)
		case "application_type":
			r.applicationType, e = stringValue(m.key, m.value)
		case "token_endpoint_auth_method":
			r.authMethod, e = stringValue(m.key, m.value)
		case "id_token_signed_response_alg":
			r.idTokenAlg, e = stringValue(m.key, m.value)
		case "client_name":
			r.clientName, e = stringValue(m.key, m.value)
		case "client_uri":
			r.clientURI, e = stringValue(m.key, m.value)
		case "logo_uri":
			r.logoURI, e = stringValue(m.key, m.value)
		case "tos_uri":
			r.tosURI, e = stringValue(m.key, m.value)
		case "policy_uri":
			r.policyURI, e = stringValue(m.key, m.value)
		default:
			e = r.readLocalized(m)
		}
		if e != nil {
			return e
		}
	}
	return nil
}

// isLocalizable names the fields whose field#tag variants are kept: those the Matrix CS API
// §Metadata localization lists (it spells the last one "policy-uri"). Other fields' variants,
// such as the client_uri#tag that Element X sends, are ignored like any unknown key.
func isLocalizable(field string) bool {
	switch field {
	case "client_name", "logo_uri", "tos_uri", "policy_uri":
		return true
	}
	return false
}

// readLocalized keeps a field#tag value of a localisable field (RFC 7591 §2.2) and ignores
// every other unknown key.
func (r *registrationRequest) readLocalized(m member) *oauth2.Error {
	field, tag, found := strings.Cut(m.key, "#")
	if !found || !isLocalizable(field) {
		return nil
	}
	if !validLanguageTag(tag) {
		return metadataError("%s: %q is not a BCP 47 language tag (RFC 7591 section 2.2)", quoteField(m.key), quoteField(tag))
	}
	value, e := stringValue(m.key, m.value)
	if e != nil || value == "" {
		return e
	}
	for _, l := range r.localized {
		// Language tags are case-insensitive (RFC 5646 §2.1.1): fr and FR are one language.
		if l.Field == field && strings.EqualFold(l.Lang, tag) {
			return metadataError("%s: the language %q is given twice", field, tag)
		}
	}
	if len(r.localized) == MaxLocalizedValues {
		return metadataError("more than %d localised values", MaxLocalizedValues)
	}
	r.localized = append(r.localized, model.LocalizedValue{Field: field, Lang: tag, Value: value})
	return nil
}

func (r *registrationRequest) validate(opts RegistrationOptions) (model.ClientMetadata, *oauth2.Error) {
	var m model.ClientMetadata
	var e *oauth2.Error
	if m.ApplicationType, e = checkApplicationType(r.applicationType); e != nil {
		return m, e
	}
	if m.TokenEndpointAuthMethod, e = checkAuthMethod(r.authMethod); e != nil {
		return m, e
	}
	if m.GrantTypes, m.ResponseTypes, e = r.checkTypes(opts.supportedGrantTypes()); e != nil {
		return m, e
	}
	if r.clientURI == "" {
		return m, metadataError("client_uri: required (Matrix CS API, Client metadata)")
	}
	clientHost, problem := clientURIHost(r.clientURI, opts.AllowedClientURIHosts)
	if problem != "" {
		return m, metadataError("client_uri %q: %s", quoteField(r.clientURI), problem)
	}
	m.ClientURI = r.clientURI
	if e := checkText("client_name", r.clientName); e != nil {
		return m, e
	}
	m.ClientName = r.clientName
	for _, f := range []struct {
		name, value string
		dst         *string
	}{{"logo_uri", r.logoURI, &m.LogoURI}, {"tos_uri", r.tosURI, &m.TOSURI}, {"policy_uri", r.policyURI, &m.PolicyURI}} {
		if f.value == "" {
			continue
		}
		if problem := sameSiteHTTPSProblem(f.value, clientHost); problem != "" {
			return m, metadataError("%s %q: %s", f.name, quoteField(f.value), problem)
		}
		*f.dst = f.value
	}
	if m.Localized, e = checkLocalized(r.localized, clientHost); e != nil {
		return m, e
	}
	if m.RedirectURIs, e = checkRedirectURIs("redirect_uris", r.redirectURIs, m.ApplicationType, clientHost); e != nil {
		return m, e
	}
	// Matrix CS API §Client metadata: "At least one URI is required to use the authorisation
	// code grant". A device-code-only client needs none (RFC 8628 has no redirect).
	if slices.Contains(m.GrantTypes, grantAuthorizationCode) && len(m.RedirectURIs) == 0 {
		return m, redirectError("redirect_uris: at least one redirect URI is required for the authorization_code grant")
	}
	if m.PostLogoutRedirectURIs, e = checkRedirectURIs("post_logout_redirect_uris", r.postLogoutRedirectURIs, m.ApplicationType, clientHost); e != nil {
		return m, e
	}
	if m.Contacts, e = checkContacts(r.contacts); e != nil {
		return m, e
	}
	if m.IDTokenSignedResponseAlg, e = checkIDTokenAlg(r.idTokenAlg, opts); e != nil {
		return m, e
	}
	return m, nil
}

// checkApplicationType: "The homeserver MUST support the web and native values ... Defaults to
// web if omitted" (Matrix CS API §Client metadata; OIDC Registration §2).
func checkApplicationType(t string) (string, *oauth2.Error) {
	switch t {
	case "":
		return model.ApplicationWeb, nil
	case model.ApplicationWeb, model.ApplicationNative:
		return t, nil
	}
	return "", metadataError("application_type %q: must be web or native", quoteField(t))
}

// checkAuthMethod keeps RFC 7591 §2's default, client_secret_basic, for a client that names no
// method, although most Matrix clients are public: such a client is given a secret, as the RFC
// says, and Matrix clients that want none say "none" (Element Web, Element X and matrix-js-sdk
// all do).
func checkAuthMethod(method string) (string, *oauth2.Error) {
	switch method {
	case "":
		return model.AuthClientSecretBasic, nil
	case model.AuthNone, model.AuthClientSecretBasic, model.AuthClientSecretPost:
		return method, nil
	}
	return "", metadataError("token_endpoint_auth_method %q: must be none, client_secret_basic or client_secret_post", quoteField(method))
}

// checkTypes drops the grant and response types the server does not support (Matrix: "The
// server MUST ignore values that it does not understand") and checks that what remains is
// consistent (RFC 7591 §2.1: the code response type goes with the authorization_code grant).
//
// RFC 7591 §2 defaults grant_types to ["authorization_code"] and response_types to ["code"].
// When response_types is omitted but grant_types is given without authorization_code (a
// device-code-only client), the default would contradict the client's own grant_types, so
// response_types defaults to none instead: RFC 7591 §2.1 lets the server correct such an
// inconsistency rather than reject it.
func (r *registrationRequest) checkTypes(supported []string) (grants, responses []string, e *oauth2.Error) {
	requestedGrants := r.grantTypes
	if !r.grantTypesSet {
		requestedGrants = []string{grantAuthorizationCode}
	}
	grants = keepSupported(requestedGrants, supported)
	if len(grants) == 0 {
		return nil, nil, metadataError("grant_types: none of the requested grant types is supported; supported: %s", strings.Join(supported, ", "))
	}
	hasCodeGrant := slices.Contains(grants, grantAuthorizationCode)
	switch {
	case r.responseTypesSet:
		responses = keepSupported(r.responseTypes, []string{responseTypeCode})
	case hasCodeGrant:
		responses = []string{responseTypeCode}
	}
	hasCodeResponse := slices.Contains(responses, responseTypeCode)
	if hasCodeResponse && !hasCodeGrant {
		return nil, nil, metadataError("response_types has code but grant_types has no authorization_code (RFC 7591 section 2.1)")
	}
	if hasCodeGrant && !hasCodeResponse {
		return nil, nil, metadataError("grant_types has authorization_code but response_types has no code (RFC 7591 section 2.1)")
	}
	return grants, responses, nil
}

// keepSupported returns the values of requested that are in supported, once each, sorted: the
// order of a set carries no meaning, and a fixed order lets identical registrations share a
// digest.
func keepSupported(requested, supported []string) []string {
	var kept []string
	for _, v := range requested {
		if slices.Contains(supported, v) && !slices.Contains(kept, v) {
			kept = append(kept, v)
		}
	}
	slices.Sort(kept)
	return kept
}

// checkText refuses control characters in text shown to the user (a client_name with line
// breaks could pass for part of the consent page's own wording).
func checkText(field, s string) *oauth2.Error {
	for _, c := range s {
		if unicode.IsControl(c) {
			return metadataError("%s: must not contain control characters", field)
		}
	}
	return nil
}

// checkLocalized validates the field#tag values like their base fields and sorts them by
// field, then tag.
func checkLocalized(values []model.LocalizedValue, clientHost string) ([]model.LocalizedValue, *oauth2.Error) {
	for _, l := range values {
		key := l.Field + "#" + l.Lang
		if l.Field == "client_name" {
			if e := checkText(key, l.Value); e != nil {
				return nil, e
			}
			continue
		}
		if problem := sameSiteHTTPSProblem(l.Value, clientHost); problem != "" {
			return nil, metadataError("%s %q: %s", key, quoteField(l.Value), problem)
		}
	}
	sorted := slices.Clone(values)
	slices.SortFunc(sorted, func(a, b model.LocalizedValue) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		return strings.Compare(a.Lang, b.Lang)
	})
	return sorted, nil
}

// checkRedirectURIs validates each URI of redirect_uris or post_logout_redirect_uris and drops
// repeats, keeping the client's order.
func checkRedirectURIs(field string, uris []string, applicationType, clientHost string) ([]string, *oauth2.Error) {
	var kept []string
	for i, uri := range uris {
		if problem := redirectURIProblem(applicationType, clientHost, uri); problem != "" {
			return nil, redirectError("%s[%d] %q: %s", field, i, quoteField(uri), problem)
		}
		if !slices.Contains(kept, uri) {
			kept = append(kept, uri)
		}
	}
	return kept, nil
}

// checkContacts drops empty and repeated contacts (RFC 7591 §2: "Array of strings representing
// ways to contact people responsible for this client, typically email addresses").
func checkContacts(contacts []string) ([]string, *oauth2.Error) {
	var kept []string
	for _, c := range contacts {
		if e := checkText("contacts", c); e != nil {
			return nil, e
		}
		if c != "" && !slices.Contains(kept, c) {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// checkIDTokenAlg accepts the algorithms the server signs with (OIDC Registration §2,
// id_token_signed_response_alg).
func checkIDTokenAlg(alg string, opts RegistrationOptions) (string, *oauth2.Error) {
	if alg == "" {
		return opts.defaultIDTokenSignedResponseAlg(), nil
	}
	if !slices.Contains(opts.signingAlgs(), alg) {
		return "", metadataError("id_token_signed_response_alg %q: not supported; supported: %s", quoteField(alg), strings.Join(opts.signingAlgs(), ", "))
	}
	return alg, nil
}
