package template

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/i18n"
)

// pageCase is one page with a fixed, realistic data set; each has a golden file per language.
type pageCase struct {
	golden string
	page   Page
}

// testLanguages are the languages every page case is rendered in.
var testLanguages = []string{"en", "de"}

var testLayout = Layout{ServerName: "example.com"}

var brandedLayout = Layout{
	ServerName: "example.com",
	Branding: Branding{
		ServiceName: "Example Chat",
		LogoURI:     "https://example.com/logo.svg",
		TOSURI:      "https://example.com/terms",
		PolicyURI:   "https://example.com/privacy",
	},
}

var elementClient = ClientView{
	Name:      "Element",
	URI:       "https://element.io",
	LogoURI:   "https://element.io/images/logo-mark-primary.svg",
	TOSURI:    "https://element.io/terms-of-service",
	PolicyURI: "https://element.io/privacy",
}

var elementPermissions = []i18n.Message{{ID: "ScopeMatrixAPI"}, {ID: "ScopeMatrixDevice"}}

var wrongCredentials = i18n.Message{ID: MsgWrongCredentials}

func pageCases() []pageCase {
	longName := strings.Repeat("Extraordinarily Long Application Name ", 6) + strings.Repeat("x", 120)
	return []pageCase{
		{"login.html", LoginPage{
			Layout:    testLayout,
			Action:    "/login",
			CSRFToken: "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Next:      "/authorize/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			SignupURL: "/register?next=%2Fauthorize%2F01JDX4T3Q8W7M2B6Z9K5R1N0CE",
		}},
		{"login_error.html", LoginPage{
			Layout:     testLayout,
			Action:     "/login",
			CSRFToken:  "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Next:       "/authorize/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			Username:   "alice",
			Error:      wrongCredentials,
			ClientName: "Element",
		}},
		{"login_field_errors.html", LoginPage{
			Layout:    testLayout,
			Action:    "/login",
			CSRFToken: "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Username:  "@bob:elsewhere.example",
			Errors: FieldErrors{
				FieldUsername: {ID: MsgUsernameOtherServer, Data: map[string]any{"ServerName": "example.com"}},
				FieldPassword: {ID: MsgPasswordMissing},
			},
		}},
		{"login_branded.html", LoginPage{Layout: brandedLayout, Action: "/login", CSRFToken: "t", ClientName: "Element"}},
		{"login_minimal.html", LoginPage{Action: "/login", CSRFToken: "t"}},
		{"login_hostile.html", LoginPage{
			Layout:     Layout{ServerName: "<b>example.com</b>"},
			Action:     "/login",
			CSRFToken:  `"><script>alert(1)</script>`,
			Next:       `/authorize"><script>alert(1)</script>`,
			Username:   `alice"><img src=x onerror=alert(1)>`,
			Error:      wrongCredentials,
			ClientName: "<script>alert('pwned')</script>",
			SignupURL:  `/register?next=/authorize"><script>alert(1)</script>`,
		}},
		{"consent.html", ConsentPage{
			Layout:       testLayout,
			Action:       "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken:    "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client:       elementClient,
			Username:     "@alice:example.com",
			DeviceID:     "QXKZJMBWVA",
			Permissions:  elementPermissions,
			LogoutAction: "/logout",
		}},
		{"consent_branded.html", ConsentPage{
			Layout:       brandedLayout,
			Action:       "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken:    "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client:       elementClient,
			Username:     "alice",
			Permissions:  []i18n.Message{{ID: "ScopeOpenID"}},
			LogoutAction: "/logout",
		}},
		{"consent_optional_empty.html", ConsentPage{
			Layout:    testLayout,
			Action:    "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken: "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client:    ClientView{URI: "https://chat.example.org/app"},
		}},
		{"consent_anonymous.html", ConsentPage{
			Layout:      Layout{},
			Action:      "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken:   "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Username:    "@alice:example.com",
			Permissions: elementPermissions[:1],
		}},
		{"consent_hostile.html", ConsentPage{
			Layout:    Layout{ServerName: "example.com", Branding: Branding{LogoURI: "javascript:alert(1)", TOSURI: "javascript:alert(2)"}},
			Action:    "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken: "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client: ClientView{
				Name:      `<script>alert("pwned")</script>`,
				URI:       "javascript:alert(1)",
				LogoURI:   `https://evil.example/logo.png" onerror="alert(1)`,
				TOSURI:    "data:text/html,<script>alert(1)</script>",
				PolicyURI: "https://evil.example/privacy?a=1&b=<2>",
			},
			Username:     "@alice:example.com",
			DeviceID:     "<b>DEVICE</b>",
			Permissions:  elementPermissions[:1],
			LogoutAction: "/logout",
		}},
		{"consent_long_name.html", ConsentPage{
			Layout:       testLayout,
			Action:       "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken:    "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client:       ClientView{Name: longName, URI: "https://" + strings.Repeat("sub.", 20) + "example.net/"},
			Username:     "@" + strings.Repeat("a", 200) + ":example.com",
			DeviceID:     strings.Repeat("D", 80),
			Permissions:  elementPermissions,
			LogoutAction: "/logout",
		}},
		{"error.html", ErrorPage{
			Layout:      testLayout,
			Heading:     i18n.Message{ID: "GrantExpiredTitle"},
			Explanation: i18n.Message{ID: "GrantExpiredMessage"},
			RequestID:   "01JDX4V0C7H3N6Q2P8S5T1W9YZ",
			Status:      http.StatusNotFound,
		}},
		{"error_unknown_client.html", ErrorPage{
			Layout:      testLayout,
			Heading:     i18n.Message{ID: "AuthorizeUnknownClientTitle"},
			Explanation: i18n.Message{ID: "AuthorizeUnknownClient"},
			RequestID:   "01JDX4V0C7H3N6Q2P8S5T1W9YZ",
			Status:      http.StatusBadRequest,
		}},
		{"error_heading_only.html", ErrorPage{Layout: testLayout, Heading: i18n.Message{ID: "GrantUsedTitle"}, Status: http.StatusBadRequest}},
		{"error_minimal.html", ErrorPage{Status: http.StatusNotFound}},
		{"error_unknown_status.html", ErrorPage{Layout: testLayout, Explanation: i18n.Message{ID: "ErrorServer"}, Status: 999}},
		{"error_under_prefix.html", ErrorPage{Layout: Layout{ServerName: "example.com", BasePath: "/auth"}, Status: http.StatusNotFound}},
		{"error_forbidden.html", ForbiddenPage(testLayout, "01JDX4V0C7H3N6Q2P8S5T1W9YZ")},
		{"error_too_many_requests.html", TooManyRequestsPage(brandedLayout, 150*time.Second, "")},
		{"signed_in.html", SignedInPage{Layout: testLayout, Username: "alice", LogoutAction: "/logout", CSRFToken: "csrf-token-123"}},
	}
}

// localizedCases is every page case in every test language, named "<lang>/<golden>".
func localizedCases() []pageCase {
	var out []pageCase
	for _, lang := range testLanguages {
		for _, tc := range pageCases() {
			out = append(out, pageCase{lang + "/" + tc.golden, withLang(tc.page, lang)})
		}
	}
	return out
}

// withLang returns the page with its Layout.Lang set.
func withLang(p Page, lang string) Page {
	switch p := p.(type) {
	case LoginPage:
		p.Lang = lang
		return p
	case ConsentPage:
		p.Lang = lang
		return p
	case ErrorPage:
		p.Lang = lang
		return p
	case SignedInPage:
		p.Lang = lang
		return p
	}
	panic("withLang: unknown page type")
}

func findCase(t *testing.T, golden string) Page {
	t.Helper()
	for _, tc := range pageCases() {
		if tc.golden == golden {
			return tc.page
		}
	}
	t.Fatalf("no page case %q", golden)
	return nil
}
