package matrix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// ErrUserNotFound is what the homeserver answers (404 M_NOT_FOUND) when an operation names a
// user it does not have. Clients wrap it together with the *Error, so both errors.Is and
// errors.As work on what they return.
var ErrUserNotFound = errors.New("matrix: user not found")

// Error is an error answer from the homeserver: the HTTP status and, when the body was a
// Matrix error (`{"errcode","error"}`, Client-Server API "Standard error response"), its
// code and message.
type Error struct {
	Status  int
	ErrCode string
	Message string
}

func (e *Error) Error() string {
	code := e.ErrCode
	if code == "" {
		code = "no errcode"
	}
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("homeserver answered %d (%s): %s", e.Status, code, msg)
}

// IsTransient reports whether retrying the call later may succeed: the homeserver was
// unreachable, too slow, overloaded or broken (network errors, timeouts, 5xx, 429). Other
// 4xx answers are permanent: the request itself was refused. A cancelled context counts as
// transient too, because the call failed for a reason unrelated to its content (a worker
// shutting down), so a retry is the right follow-up.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var answer *Error
	if errors.As(err, &answer) {
		return answer.Status >= 500 || answer.Status == http.StatusTooManyRequests
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	// A connection cut while the answer was being read.
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
