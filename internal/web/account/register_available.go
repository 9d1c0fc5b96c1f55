package account

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web"
)

// availability is the answer of PathRegisterAvailable, read by register.js.
type availability struct {
	Available bool `json:"available"`
	// Message is what to show next to the field, in the page's language.
	Message string `json:"message"`
}

// available answers whether a username is free, as JSON: {"available": bool, "message":
// "…"}. It runs the same checks as the form (usernameProblem), and shares the per-address
// allowance of the form's checks, since each may ask the homeserver. A limited request gets
// 429 with Retry-After and the 429 page's sentence as the message; a homeserver that cannot
// be asked, 503 and a try-again message. The answer is never cached: a name may be taken a
// second later.
func (s *Signup) available(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	lang := s.language(r)
	answer := func(status int, free bool, m i18n.Message) {
		text, err := lang.Text(m)
		if err != nil {
			web.Logger(r.Context()).Error("translating an availability message", "id", m.ID, "err", err)
			status, text = http.StatusInternalServerError, ""
		}
		if err := web.WriteJSON(w, status, availability{Available: free, Message: text}); err != nil {
			web.Logger(r.Context()).Error("writing an availability answer", "err", err)
		}
	}
	if k := s.Limits.UsernameChecksPerIP; k != nil {
		if ok, retryAfter := k.Allow(clientIPKey(r)); !ok {
			w.Header().Set("Retry-After", strconv.FormatInt(template.RetryAfterSeconds(retryAfter), 10))
			answer(http.StatusTooManyRequests, false, template.TooManyRequestsPage(template.Layout{}, retryAfter, "").Explanation)
			return
		}
	}
	problem, err := s.usernameProblem(r.Context(), strings.TrimSpace(r.URL.Query().Get("username")))
	switch {
	case errors.Is(err, errHomeserverUnavailable):
		web.Logger(r.Context()).Warn("checking a username with the homeserver", "err", err)
		answer(http.StatusServiceUnavailable, false, problem)
	case err != nil:
		web.Logger(r.Context()).Error("checking a username", "err", err)
		answer(http.StatusInternalServerError, false, i18n.Message{ID: msgServerError})
	case problem.IsZero():
		answer(http.StatusOK, true, i18n.Message{ID: msgRegisterUsernameAvailable})
	default:
		answer(http.StatusOK, false, problem)
	}
}
