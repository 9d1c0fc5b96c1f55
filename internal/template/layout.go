package template

import "strings"

// Page is one of the page data structs (LoginPage, ConsentPage, ErrorPage, SignedInPage).
// Only this package's types implement it, so Render always knows the template to use.
type Page interface {
	templateName() string
	base() Layout
}

// Layout is the data every page shares.
type Layout struct {
	// Lang is the page's language, a tag that web/account picks with i18n.Bundle.Match
	// ("en", "de"). Another tag is matched to the nearest supported language, and empty
	// means English; <html lang> always names the language the page is written in.
	Lang string
	// ServerName is the Matrix server name, e.g. "example.com".
	ServerName string
	// BasePath is the path of the public URL without its trailing slash ("" at the root,
	// "/auth" for https://example.com/auth/); links to the server's own assets start with it.
	BasePath string
	// Branding is the operator's name, logo and legal links.
	Branding
}

// Branding is what the operator shows of their service on every page; the app fills it from
// the branding.* configuration.
type Branding struct {
	// ServiceName is shown in the header and the <title>; empty uses ServerName.
	ServiceName string
	// LogoURI is an https image shown in the header. The pages' Content-Security-Policy allows
	// https images only, so an http URL is left out rather than blocked by the browser.
	LogoURI string
	// TOSURI and PolicyURI are linked in the footer; empty leaves a link out.
	TOSURI    string
	PolicyURI string
}

func (l Layout) base() Layout { return l }

// SiteName is the name in the header and the <title>: the service name, else the server name.
func (l Layout) SiteName() string {
	if name := strings.TrimSpace(l.ServiceName); name != "" {
		return name
	}
	return l.ServerName
}

// SiteLogo is the logo to show, or "" when there is none to show: it must be https (the CSP
// allows no other images from elsewhere) and have a name for its alt text.
func (l Layout) SiteLogo() string {
	if !strings.HasPrefix(l.LogoURI, "https://") || l.SiteName() == "" {
		return ""
	}
	return l.LogoURI
}
