package template

import (
	"math"
	"net/http"
	"time"

	"github.com/mxauth/mxauth/internal/i18n"
)

// ErrorPage explains a failure to a person. It never carries internal details; the cause is
// in the log under RequestID.
type ErrorPage struct {
	Layout
	// Heading is the page's heading; zero uses a heading for Status.
	Heading i18n.Message
	// Explanation is one or two sentences on what happened and what to do; zero leaves it out.
	Explanation i18n.Message
	// RequestID lets the user quote the failure to an administrator; empty leaves it out.
	RequestID string
	// Status is the HTTP status shown on the page; Render's status argument is what is sent.
	Status int
}

func (ErrorPage) templateName() string { return "error.html" }

// statusHeadings name the statuses the pages answer with; any other gets "Something went
// wrong", since the HTTP reason phrases are English and mostly meaningless to people.
var statusHeadings = map[int]string{
	http.StatusBadRequest:         "StatusBadRequest",
	http.StatusUnauthorized:       "StatusUnauthorized",
	http.StatusForbidden:          "StatusForbidden",
	http.StatusNotFound:           "StatusNotFound",
	http.StatusTooManyRequests:    "StatusTooManyRequests",
	http.StatusServiceUnavailable: "StatusServiceUnavailable",
}

// headingMessage is the heading an ErrorPage without Heading shows.
func headingMessage(status int) i18n.Message {
	if id, ok := statusHeadings[status]; ok {
		return i18n.Message{ID: id}
	}
	return i18n.Message{ID: "ErrorGeneric"}
}

// ForbiddenPage is the answer to a form whose CSRF token is missing or wrong, or that a
// browser says came from another site (403): the usual cause is an expired form, so it
// says to reload, and it never says which check failed.
func ForbiddenPage(l Layout, requestID string) ErrorPage {
	return ErrorPage{
		Layout: l, Heading: i18n.Message{ID: "ForbiddenTitle"}, Explanation: i18n.Message{ID: "ForbiddenMessage"},
		RequestID: requestID, Status: http.StatusForbidden,
	}
}

// TooManyRequestsPage is the answer to a rate-limited form (429): it says in words when to
// try again. The handler sends the same wait in Retry-After (RetryAfterSeconds).
func TooManyRequestsPage(l Layout, retryAfter time.Duration, requestID string) ErrorPage {
	return ErrorPage{
		Layout: l, Heading: i18n.Message{ID: "TooManyRequestsTitle"}, Explanation: retryMessage(retryAfter),
		RequestID: requestID, Status: http.StatusTooManyRequests,
	}
}

// RetryAfterSeconds is the Retry-After value for a wait (RFC 9110 §10.2.3: delay-seconds, a
// non-negative integer): rounded up, and at least 1 so a client never retries at once.
func RetryAfterSeconds(d time.Duration) int64 {
	if d <= time.Second {
		return 1
	}
	if d >= math.MaxInt64-time.Second {
		return int64(math.MaxInt64 / time.Second)
	}
	return int64((d + time.Second - 1) / time.Second)
}

// retryMessage says how long to wait in the largest unit that fits, rounded up so the person
// never retries too early: 59s → "59 seconds", 60s → "1 minute", 61s → "2 minutes", 3601s → "2 hours".
func retryMessage(d time.Duration) i18n.Message {
	seconds := RetryAfterSeconds(d)
	id, count := "TooManyRequestsSeconds", seconds
	switch {
	case seconds >= 3600:
		id, count = "TooManyRequestsHours", (seconds+3599)/3600
	case seconds >= 60:
		id, count = "TooManyRequestsMinutes", (seconds+59)/60
	}
	return i18n.Message{ID: id, Data: map[string]any{"Count": count}}
}
