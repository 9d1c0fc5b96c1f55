package oauth

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/policy"
	"github.com/mxauth/mxauth/internal/ratelimit"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
	"github.com/mxauth/mxauth/internal/web"
)

// PathRegistration is the dynamic client registration endpoint (RFC 7591 §3).
const PathRegistration = "/oauth2/registration"

// RegistrationOptions configure the registration endpoint.
type RegistrationOptions struct {
	Clients store.ClientStore
	Policy  policy.RegistrationOptions
	// Open is false when the operator closed dynamic registration.
	Open bool
	// Limiter limits registrations per client IP address; nil means no limit.
	Limiter *ratelimit.Keyed
	Clock   clock.Clock
	Rand    io.Reader
	Logger  *slog.Logger
}

// MountRegistration serves POST /oauth2/registration and names it in the metadata. The
// endpoint stays listed when registration is closed: Matrix clients reject metadata without
// registration_endpoint (CLIENTS.md §0.9), even those configured with a static client ID.
func MountRegistration(mux *http.ServeMux, iss Issuer, md *Metadata, opts RegistrationOptions) {
	h := &registration{RegistrationOptions: opts}
	mux.Handle("POST "+PathRegistration, h)
	md.RegistrationEndpoint = iss.URL(PathRegistration)
	// The methods a client may register as token_endpoint_auth_method, all of which
	// web.AuthenticateClient accepts (RFC 8414 §2; RFC 7591 §2).
	md.TokenEndpointAuthMethodsSupported = []string{model.AuthNone, model.AuthClientSecretBasic, model.AuthClientSecretPost}
}

type registration struct {
	RegistrationOptions
}

func (h *registration) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resp, err := h.register(r)
	if err != nil {
		web.WriteOAuthError(w, r, err, h.Logger)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusCreated, resp)
}

// register runs RFC 7591 §3.1–3.2: validate the metadata, store the client (or find the
// identical public registration), and build the response.
func (h *registration) register(r *http.Request) (map[string]any, error) {
	if h.Limiter != nil {
		if ok, retry := h.Limiter.Allow(web.ClientIP(r.Context()).String()); !ok {
			return nil, tooManyRequests(retry.Seconds())
		}
	}
	if !h.Open {
		return nil, oauth2.InvalidClientMetadata("dynamic client registration is closed on this server; ask its operator for a client ID")
	}
	body, err := readJSONBody(r, policy.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	meta, err := policy.ParseClientMetadata(body, h.Policy)
	if err != nil {
		return nil, err
	}
	now := h.Clock.Now()
	id, err := ulid.New(now, h.Rand)
	if err != nil {
		return nil, err
	}
	c := model.Client{ID: id, Origin: model.ClientDynamic, Metadata: meta, CreatedAt: now}
	var secret string
	if meta.TokenEndpointAuthMethod == model.AuthNone {
		// Identical public registrations share one client_id, so clients that register
		// before every login (as the Matrix spec tells them to) do not grow the table.
		c.MetadataDigest = policy.ClientMetadataDigest(meta)
	} else {
		if secret, err = token.Generate(token.ClientSecret, h.Rand); err != nil {
			return nil, err
		}
		c.SecretHash = token.Hash(secret)
	}
	stored, _, err := h.Clients.CreateDynamic(r.Context(), c)
	if err != nil {
		return nil, err
	}
	return registrationResponse(stored, secret), nil
}

// registrationResponse is RFC 7591 §3.2.1: the client_id, when it was issued, the secret
// (returned this once; only its hash is kept) and every registered metadata value.
func registrationResponse(c model.Client, secret string) map[string]any {
	resp := policy.EncodeClientMetadata(c.Metadata)
	resp["client_id"] = c.ID
	resp["client_id_issued_at"] = c.CreatedAt.Unix()
	if secret != "" {
		resp["client_secret"] = secret
		resp["client_secret_expires_at"] = 0 // RFC 7591 §3.2.1: 0 means it does not expire
	}
	return resp
}

// readJSONBody reads a registration body: an application/json content type (parameters such
// as charset allowed) and at most limit bytes; anything else is invalid_client_metadata
// (RFC 7591 §3.2.2), never a 5xx.
func readJSONBody(r *http.Request, limit int64) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, oauth2.InvalidClientMetadata("the request body must be JSON with Content-Type: application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		if web.IsBodyTooLarge(err) {
			return nil, oauth2.InvalidClientMetadata("the request body is too large")
		}
		if r.Context().Err() != nil {
			return nil, context.Cause(r.Context())
		}
		return nil, oauth2.InvalidClientMetadata("the request body could not be read")
	}
	if int64(len(body)) > limit {
		return nil, oauth2.InvalidClientMetadata("the request body is larger than " + strconv.FormatInt(limit, 10) + " bytes")
	}
	return body, nil
}

// tooManyRequests is the answer over the rate limit: 429 with Retry-After (RFC 6585 §4).
// RFC 7591 has no error code for it; temporarily_unavailable tells the client to try later.
func tooManyRequests(retrySeconds float64) error {
	secs := int(retrySeconds + 0.999)
	if secs < 1 {
		secs = 1
	}
	return oauth2.TemporarilyUnavailable("too many registrations from this address; try again later").
		WithStatus(http.StatusTooManyRequests).WithRetryAfter(secs)
}
