package template

import (
	"strings"
	"testing"
)

// pageCase is one page with a fixed, realistic data set; each has a golden file.
type pageCase struct {
	golden string
	page   Page
}

var testLayout = Layout{Lang: "en", ServerName: "example.com"}

var elementClient = ClientView{
	Name:      "Element",
	URI:       "https://element.io",
	LogoURI:   "https://element.io/images/logo-mark-primary.svg",
	TOSURI:    "https://element.io/terms-of-service",
	PolicyURI: "https://element.io/privacy",
}

var elementScopes = []string{
	"See and change everything in your Matrix account: messages, rooms, contacts and settings",
	"Sign in as a new device with ID QXKZJMBWVA",
}

func pageCases() []pageCase {
	longName := strings.Repeat("Extraordinarily Long Application Name ", 6) + strings.Repeat("x", 120)
	return []pageCase{
		{"login.html", LoginPage{
			Layout:    testLayout,
			Action:    "/login",
			CSRFToken: "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Next:      "/authorize/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
		}},
		{"login_error.html", LoginPage{
			Layout:     Layout{Lang: "en-GB", ServerName: "example.com"},
			Action:     "/login",
			CSRFToken:  "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Next:       "/authorize/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			Username:   "alice",
			Error:      "Wrong username or password",
			ClientName: "Element",
		}},
		{"login_minimal.html", LoginPage{Action: "/login", CSRFToken: "t"}},
		{"login_hostile.html", LoginPage{
			Layout:     Layout{Lang: `en" onload="alert(1)`, ServerName: "<b>example.com</b>"},
			Action:     "/login",
			CSRFToken:  `"><script>alert(1)</script>`,
			Next:       `/authorize"><script>alert(1)</script>`,
			Username:   `alice"><img src=x onerror=alert(1)>`,
			Error:      "Wrong username or password",
			ClientName: "<script>alert('pwned')</script>",
		}},
		{"consent.html", ConsentPage{
			Layout:       testLayout,
			Action:       "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken:    "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client:       elementClient,
			Username:     "@alice:example.com",
			DeviceID:     "QXKZJMBWVA",
			Scopes:       elementScopes,
			LogoutAction: "/logout",
		}},
		{"consent_optional_empty.html", ConsentPage{
			Layout:    testLayout,
			Action:    "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken: "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client:    ClientView{URI: "https://chat.example.org/app"},
		}},
		{"consent_anonymous.html", ConsentPage{
			Layout:    Layout{},
			Action:    "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken: "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Username:  "@alice:example.com",
			Scopes:    elementScopes[:1],
		}},
		{"consent_hostile.html", ConsentPage{
			Layout:    testLayout,
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
			Scopes:       []string{"<i>everything</i>"},
			LogoutAction: "/logout",
		}},
		{"consent_long_name.html", ConsentPage{
			Layout:       testLayout,
			Action:       "/consent/01JDX4T3Q8W7M2B6Z9K5R1N0CE",
			CSRFToken:    "kVh3c9Zr2QpLx0aTfW8nB1yE",
			Client:       ClientView{Name: longName, URI: "https://" + strings.Repeat("sub.", 20) + "example.net/"},
			Username:     "@" + strings.Repeat("a", 200) + ":example.com",
			DeviceID:     strings.Repeat("D", 80),
			Scopes:       elementScopes,
			LogoutAction: "/logout",
		}},
		{"error.html", ErrorPage{
			Layout:    testLayout,
			Title:     "This link has expired",
			Message:   "The sign-in request is no longer valid. Go back to the application and start again.",
			RequestID: "01JDX4V0C7H3N6Q2P8S5T1W9YZ",
			Status:    400,
		}},
		{"error_minimal.html", ErrorPage{Status: 404}},
		{"error_unknown_status.html", ErrorPage{Layout: testLayout, Message: "<script>x</script>", Status: 999}},
		{"signed_in.html", SignedInPage{Layout: testLayout, Username: "alice", LogoutAction: "/logout", CSRFToken: "csrf-token-123"}},
		{"error_under_prefix.html", ErrorPage{Layout: Layout{ServerName: "example.com", BasePath: "/auth"}, Status: 404}},
	}
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
