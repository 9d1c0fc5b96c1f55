package account

import (
	"strings"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/template"
)

// describeScope says in plain words what a granted scope lets the application do.
func describeScope(scope string) []string {
	var out []string
	for _, tok := range strings.Fields(scope) {
		switch {
		case tok == "urn:matrix:client:api:*", tok == "urn:matrix:org.matrix.msc2967.client:api:*":
			out = append(out, "Use your Matrix account: read and send messages, join and manage rooms, and change your settings.")
		case strings.HasPrefix(tok, "urn:matrix:client:device:"), strings.HasPrefix(tok, "urn:matrix:org.matrix.msc2967.client:device:"):
			out = append(out, "Sign in as a new device of your account.")
		case tok == "openid":
			out = append(out, "See your account's identity (your user ID).")
		}
	}
	return dedupe(out)
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// clientView picks the client's human-readable metadata in the user's language (RFC 7591
// §2.2 field#lang values), from the Accept-Language header's order of preference.
func clientView(m model.ClientMetadata, acceptLanguage string) template.ClientView {
	v := template.ClientView{Name: m.ClientName, URI: m.ClientURI, LogoURI: m.LogoURI, TOSURI: m.TOSURI, PolicyURI: m.PolicyURI}
	for _, lang := range preferredLanguages(acceptLanguage) {
		found := false
		for _, l := range m.Localized {
			if !langMatches(l.Lang, lang) {
				continue
			}
			found = true
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
		if found {
			break
		}
	}
	return v
}

// langMatches: "fr" serves a request for "fr-CA" too (RFC 4647 §3.4 lookup, one step).
func langMatches(tag, want string) bool {
	tag, want = strings.ToLower(tag), strings.ToLower(want)
	return tag == want || strings.HasPrefix(want, tag+"-")
}
