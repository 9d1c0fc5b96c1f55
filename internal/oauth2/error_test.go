package oauth2

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConstructorsCodeAndStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		construct  func(string) *Error
		wantCode   string
		wantStatus int
	}{
		{"InvalidRequest", InvalidRequest, "invalid_request", 400},
		{"InvalidClient", InvalidClient, "invalid_client", 401},
		{"InvalidGrant", InvalidGrant, "invalid_grant", 400},
		{"UnauthorizedClient", UnauthorizedClient, "unauthorized_client", 400},
		{"UnsupportedGrantType", UnsupportedGrantType, "unsupported_grant_type", 400},
		{"InvalidScope", InvalidScope, "invalid_scope", 400},
		{"AccessDenied", AccessDenied, "access_denied", 400},
		{"UnsupportedResponseType", UnsupportedResponseType, "unsupported_response_type", 400},
		{"ServerError", ServerError, "server_error", 500},
		{"TemporarilyUnavailable", TemporarilyUnavailable, "temporarily_unavailable", 503},
		{"InvalidRedirectURI", InvalidRedirectURI, "invalid_redirect_uri", 400},
		{"InvalidClientMetadata", InvalidClientMetadata, "invalid_client_metadata", 400},
		{"UnsupportedTokenType", UnsupportedTokenType, "unsupported_token_type", 400},
		{"AuthorizationPending", AuthorizationPending, "authorization_pending", 400},
		{"SlowDown", SlowDown, "slow_down", 400},
		{"ExpiredToken", ExpiredToken, "expired_token", 400},
		{"InvalidToken", InvalidToken, "invalid_token", 401},
		{"InsufficientScope", InsufficientScope, "insufficient_scope", 403},
		{"LoginRequired", LoginRequired, "login_required", 400},
		{"ConsentRequired", ConsentRequired, "consent_required", 400},
		{"InteractionRequired", InteractionRequired, "interaction_required", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := tt.construct("some description")
			got := struct {
				Code, Description string
				Status            int
			}{e.Code, e.Description, e.HTTPStatus()}
			want := struct {
				Code, Description string
				Status            int
			}{tt.wantCode, "some description", tt.wantStatus}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s(...) mismatch (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestHTTPStatusOverride(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want int
	}{
		{"derived", InvalidGrant("x"), 400},
		{"explicit field", &Error{Code: CodeInvalidRequest, Status: 413}, 413},
		{"WithStatus", InvalidClient("x").WithStatus(400), 400},
		{"unknown code defaults to 400", NewError("made_up", ""), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.HTTPStatus(); got != tt.want {
				t.Errorf("HTTPStatus() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"code only", InvalidGrant(""), "oauth2: invalid_grant"},
		{"with description", InvalidScope("unknown scope"), "oauth2: invalid_scope: unknown scope"},
		{
			"with cause",
			ServerError("try again").WithCause(errors.New("database is locked")),
			"oauth2: server_error: try again: database is locked",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorsIsAsAndCodeOf(t *testing.T) {
	t.Parallel()
	cause := errors.New("row not found")
	wrapped := fmt.Errorf("refresh: %w", InvalidGrant("refresh token unknown").WithCause(cause))

	tests := []struct {
		name     string
		err      error
		target   error
		wantIs   bool
		wantCode string
	}{
		{"same code different description", wrapped, InvalidGrant(""), true, "invalid_grant"},
		{"different code", wrapped, InvalidClient(""), false, "invalid_grant"},
		{"cause is reachable", wrapped, cause, true, "invalid_grant"},
		{"plain error", cause, InvalidGrant(""), false, ""},
		{"nil", nil, InvalidGrant(""), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.Is(tt.err, tt.target); got != tt.wantIs {
				t.Errorf("errors.Is = %v, want %v", got, tt.wantIs)
			}
			if got := CodeOf(tt.err); got != tt.wantCode {
				t.Errorf("CodeOf = %q, want %q", got, tt.wantCode)
			}
		})
	}
}

func TestWithMethodsCopy(t *testing.T) {
	t.Parallel()
	orig := InvalidClient("bad secret")
	_ = orig.WithCause(errors.New("x")).WithStatus(400).WithURI("https://example.com/e")
	want := &Error{Code: CodeInvalidClient, Description: "bad secret"}
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("With* changed the receiver (-want +got):\n%s", diff)
	}
}

func TestWireDescription(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"plain ascii unchanged", "The code has expired (after 10 min).", "The code has expired (after 10 min)."},
		{"double quote", `unknown scope "foo"`, `unknown scope 'foo'`},
		{"backslash", `a\b`, `a/b`},
		{"newline and tab", "line1\nline2\tx", "line1 line2 x"},
		{"DEL", "a\x7fb", "a b"},
		{"non-ascii rune", "café", "caf?"},
		{"invalid utf-8", "a\xffb", "a?b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := (&Error{Description: tt.in}).WireDescription()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WireDescription(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if !isNQSChars(got, true) {
				t.Errorf("WireDescription(%q) = %q still holds a forbidden character", tt.in, got)
			}
		})
	}
}

func TestWireURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"valid", "https://example.com/errors#invalid_grant", "https://example.com/errors#invalid_grant"},
		{"space", "https://example.com/a b", ""},
		{"quote", `https://example.com/"`, ""},
		{"non-ascii", "https://exämple.com/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := (&Error{URI: tt.in}).WireURI(); got != tt.want {
				t.Errorf("WireURI(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzWireDescription(f *testing.F) {
	for _, s := range []string{"", "ok", `"q"`, "\\", "\n", "é", "\xff\xfe", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := wireDescription(s)
		if !isNQSChars(got, true) {
			t.Fatalf("wireDescription(%q) = %q holds a forbidden character", s, got)
		}
		if isNQSChars(s, true) && got != s {
			t.Fatalf("wireDescription changed an already valid %q to %q", s, got)
		}
	})
}
