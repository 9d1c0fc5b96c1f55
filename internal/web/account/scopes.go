package account

import (
	"strings"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
)

// Message ids of the consent page's permission lines.
const (
	msgScopeMatrixAPI    = "ScopeMatrixAPI"
	msgScopeMatrixDevice = "ScopeMatrixDevice"
	msgScopeOpenID       = "ScopeOpenID"
)

// describeScope says in plain words what a granted scope lets the application do, one message
// per permission, each once: the stable and the MSC2967 forms of a scope say the same thing.
func describeScope(scope string) []i18n.Message {
	var out []i18n.Message
	add := func(id string) {
		for _, m := range out {
			if m.ID == id {
				return
			}
		}
		out = append(out, i18n.Message{ID: id})
	}
	for _, tok := range strings.Fields(scope) {
		switch {
		case tok == "urn:matrix:client:api:*", tok == "urn:matrix:org.matrix.msc2967.client:api:*":
			add(msgScopeMatrixAPI)
		case strings.HasPrefix(tok, "urn:matrix:client:device:"), strings.HasPrefix(tok, "urn:matrix:org.matrix.msc2967.client:device:"):
			add(msgScopeMatrixDevice)
		case tok == "openid":
			add(msgScopeOpenID)
		}
	}
	return out
}

// clientView picks the client's human-readable metadata in the user's language (RFC 7591
// §2.2 field#lang values): the language of its localized values that best serves the
// Accept-Language header, else the values without a language tag.
func clientView(m model.ClientMetadata, acceptLanguage string) template.ClientView {
	v := template.ClientView{Name: m.ClientName, URI: m.ClientURI, LogoURI: m.LogoURI, TOSURI: m.TOSURI, PolicyURI: m.PolicyURI}
	if len(m.Localized) == 0 {
		return v
	}
	available := make([]string, 0, len(m.Localized))
	for _, l := range m.Localized {
		available = append(available, l.Lang)
	}
	lang, ok := preferredLanguage(available, i18n.Preferences(acceptLanguage))
	if !ok {
		return v
	}
	for _, l := range m.Localized {
		if l.Lang != lang {
			continue
		}
		switch l.Field {
		case "client_name":
			v.Name = l.Value
		case "logo_uri":
			v.LogoURI = l.Value
		case "tos_uri":
			v.TOSURI = l.Value
		case "policy_uri":
			v.PolicyURI = l.Value
		}
	}
	return v
}
