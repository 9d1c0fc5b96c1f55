package matrix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestIsTransient(t *testing.T) {
	t.Parallel()
	refused := &url.Error{Op: "Post", URL: "http://hs/_synapse/mas/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"500", &Error{Status: 500, ErrCode: "M_UNKNOWN"}, true},
		{"502 without body", fmt.Errorf("synapse: %w", &Error{Status: 502}), true},
		{"503", &Error{Status: 503}, true},
		{"429", &Error{Status: 429, ErrCode: "M_LIMIT_EXCEEDED"}, true},
		{"400", &Error{Status: 400, ErrCode: "M_BAD_JSON"}, false},
		{"403", &Error{Status: 403, ErrCode: "M_UNKNOWN"}, false},
		{"404 user", fmt.Errorf("%w: %w", ErrUserNotFound, &Error{Status: 404, ErrCode: "M_NOT_FOUND"}), false},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), true},
		{"cancelled", context.Canceled, true},
		{"connection refused", refused, true},
		{"cut mid-answer", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"bad answer", errors.New("synapse query_user: decoding the answer: invalid character"), false},
		{"user not found alone", ErrUserNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IsTransient(tt.err); got != tt.want {
				t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Status: 404, ErrCode: "M_NOT_FOUND", Message: "User not found"}, "homeserver answered 404 (M_NOT_FOUND): User not found"},
		{&Error{Status: 502}, "homeserver answered 502 (no errcode): Bad Gateway"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestProvisionUserConflict(t *testing.T) {
	t.Parallel()
	name, avatar := "Alice", "mxc://a/b"
	tests := []struct {
		name string
		req  ProvisionUser
		want string
	}{
		{"empty", ProvisionUser{Localpart: "a"}, ""},
		{"set only", ProvisionUser{SetDisplayName: &name, SetAvatarURL: &avatar, SetEmails: []string{}}, ""},
		{"unset only", ProvisionUser{UnsetDisplayName: true, UnsetAvatarURL: true, UnsetEmails: true}, ""},
		{"display name", ProvisionUser{SetDisplayName: &name, UnsetDisplayName: true}, "displayname"},
		{"avatar", ProvisionUser{SetAvatarURL: &avatar, UnsetAvatarURL: true}, "avatar_url"},
		{"empty email list and unset", ProvisionUser{SetEmails: []string{}, UnsetEmails: true}, "emails"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.req.Conflict(); got != tt.want {
				t.Errorf("Conflict() = %q, want %q", got, tt.want)
			}
		})
	}
}
