package oauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/web"
)

// PathIntrospect is the token introspection endpoint (RFC 7662), which the homeserver calls
// for every client request it has not cached (SYNAPSE.md §1.2).
const PathIntrospect = "/oauth2/introspect"

// ActivityRecorder takes note that tokens and sessions were used, without writing to the
// database on the request's path; activity.Buffer is one.
type ActivityRecorder interface {
	// AccessTokenUsed records an access token's first use.
	AccessTokenUsed(id string, at time.Time)
	// SessionActive records a session's latest activity, from ip when known.
	SessionActive(sessionID string, at time.Time, ip string)
}

// activityPrecision is how stale a session's stored last-active time may be before
// introspection records a newer one: the account pages show it to the minute, and skipping
// fresher sessions keeps the hot path from touching the buffer on every request.
const activityPrecision = time.Minute

// IntrospectOptions are what introspection needs beyond the Flow.
type IntrospectOptions struct {
	// Secret is the secret shared with the homeserver (matrix.secret), which it sends as
	// "Authorization: Bearer <secret>". Empty: only confidential clients may introspect.
	Secret string
}

// introspection serves PathIntrospect.
type introspection struct {
	flow *Flow
	// secretDigest is the SHA-256 of the shared secret, nil when there is none. Comparing
	// digests keeps the comparison constant-time whatever the presented length.
	secretDigest []byte
	activity     ActivityRecorder
	// challenges are the WWW-Authenticate values of a 401 to a caller that sent no usable
	// credentials (RFC 9110 §11.6.1: one per scheme the endpoint accepts).
	challenges []string
}

// Challenges of the introspection endpoint. Basic is client_secret_basic (RFC 6749 §2.3.1);
// Bearer is the homeserver's shared secret (RFC 6750 §3; RFC 7662 §2.1 lets the endpoint be
// protected by "a separate OAuth 2.0 access token such as the bearer token").
const (
	basicChallenge        = `Basic realm="mxauth"`
	bearerChallenge       = `Bearer realm="mxauth"`
	invalidBearerResponse = `Bearer realm="mxauth", error="invalid_token"`
)

// inactive is the whole answer for every token that is not active (RFC 7662 §2.2: "If the
// introspection call is properly authorized but the token is not active, does not exist on
// this server, or the protected resource is not allowed to introspect this particular token,
// then the authorization server MUST return an introspection response with the "active" field
// set to "false"" — and nothing else, so nothing is learnt about why).
var inactive = introspectionResponse{Active: false}

// MountIntrospect serves token introspection and names it in the metadata.
func (f *Flow) MountIntrospect(mux *http.ServeMux, md *Metadata, opts IntrospectOptions) {
	h := &introspection{flow: f, activity: f.Activity, challenges: []string{basicChallenge}}
	if opts.Secret != "" {
		d := sha256.Sum256([]byte(opts.Secret))
		h.secretDigest = d[:]
		h.challenges = append(h.challenges, bearerChallenge)
	}
	// Clipped: the slice is shared by every response's header, so an Add there must copy it.
	h.challenges = slices.Clip(h.challenges)
	mux.HandleFunc("POST "+PathIntrospect, h.serve)
	md.IntrospectionEndpoint = f.Issuer.URL(PathIntrospect)
	// The shared secret is not a client authentication method, so it is not listed.
	md.IntrospectionEndpointAuthMethodsSupported = []string{model.AuthClientSecretBasic, model.AuthClientSecretPost}
}

func (h *introspection) serve(w http.ResponseWriter, r *http.Request) {
	resp, err := h.introspect(w, r)
	if err != nil {
		// Synapse turns any failure into 503 for its client; a database error is 503 here too.
		web.WriteOAuthError(w, r, transient(err), nil)
		return
	}
	body := resp.appendJSON(make([]byte, 0, 512))
	header := w.Header()
	// RFC 7662 §2.2 answers are about a bearer credential: never cache them.
	header["Cache-Control"] = noStore
	header["Content-Type"] = jsonContentType
	header["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // a write error means the caller has gone
}

// Header values shared by every response, so setting them does not allocate.
var (
	noStore         = []string{"no-store"}
	jsonContentType = []string{"application/json"}
)

// introspect authenticates the caller (RFC 7662 §2.1), then looks the token up by its prefix
// (token_type_hint is only a hint, §2.1, and the prefix is certain). Every token that is not
// active, for whatever reason, gets the same inactive answer.
func (h *introspection) introspect(w http.ResponseWriter, r *http.Request) (introspectionResponse, error) {
	if err := r.ParseForm(); err != nil {
		return introspectionResponse{}, web.OAuthBodyError(err)
	}
	for _, name := range []string{"token", "token_type_hint", "client_id", "client_secret"} {
		if len(r.PostForm[name]) > 1 {
			return introspectionResponse{}, oauth2.InvalidRequest(name + " is repeated")
		}
	}
	if err := h.authenticateCaller(w, r); err != nil {
		return introspectionResponse{}, err
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		return introspectionResponse{}, oauth2.InvalidRequest("token is missing")
	}
	// The format and checksum are checked before any database lookup, so garbage and typos
	// cost no query (SYNAPSE.md §2.1: "TokenType::check rejects tokens whose CRC is wrong").
	kind, err := token.Parse(tok)
	if err != nil {
		return inactive, nil
	}
	switch kind {
	case token.AccessToken:
		return h.accessToken(r.Context(), tok)
	case token.RefreshToken:
		return h.refreshToken(r.Context(), tok)
	default:
		return inactive, nil
	}
}

// authenticateCaller accepts the homeserver's shared secret as a Bearer token, or a
// confidential client's credentials (client_secret_basic or client_secret_post). Public
// clients cannot introspect: they cannot keep a credential (RFC 7662 §4: the endpoint must be
// protected against token scanning).
func (h *introspection) authenticateCaller(w http.ResponseWriter, r *http.Request) error {
	// "Bearer" with nothing after it arrives without its space (servers trim header values):
	// it is still a Bearer attempt, with an empty credential.
	if scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " "); strings.EqualFold(scheme, "Bearer") {
		return h.checkSharedSecret(w, r, cred)
	}
	client, err := web.AuthenticateClient(r, h.flow.Store.Clients())
	var oe *oauth2.Error
	if errors.As(err, &oe) && oe.HTTPStatus() == http.StatusUnauthorized {
		if r.Header.Get("Authorization") == "" && r.PostForm.Get("client_id") == "" {
			w.Header()["Www-Authenticate"] = h.challenges // anonymous: say every way in
		}
		return err
	}
	if err != nil {
		return err
	}
	if client.Metadata.TokenEndpointAuthMethod == model.AuthNone {
		w.Header()["Www-Authenticate"] = h.challenges
		return oauth2.InvalidClient("public clients cannot introspect tokens; authenticate as a confidential client")
	}
	return nil
}

// checkSharedSecret compares a Bearer credential with matrix.secret in constant time.
func (h *introspection) checkSharedSecret(w http.ResponseWriter, r *http.Request, cred string) error {
	if h.secretDigest == nil {
		return oauth2.InvalidClient("no homeserver secret is configured; authenticate as a confidential client")
	}
	// RFC 6749 §2.3: one authentication method per request.
	if _, ok := r.PostForm["client_secret"]; ok {
		return oauth2.InvalidRequest("use one authentication method: the Bearer secret or client credentials, not both")
	}
	d := sha256.Sum256([]byte(cred))
	if subtle.ConstantTimeCompare(d[:], h.secretDigest) != 1 {
		w.Header()["Www-Authenticate"] = []string{invalidBearerResponse}
		return oauth2.InvalidClient("the Bearer secret is wrong")
	}
	return nil
}

// accessToken answers for an access token (mat_): active while the token is unexpired and
// unrevoked, its session active and its user able to sign in.
func (h *introspection) accessToken(ctx context.Context, tok string) (introspectionResponse, error) {
	// One query brings the token, its session and the user's name and lock state.
	at, sess, owner, err := h.flow.Store.Sessions().AccessTokenWithOwner(ctx, token.Hash(tok))
	if errors.Is(err, store.ErrNotFound) {
		return inactive, nil
	}
	if err != nil {
		return introspectionResponse{}, err
	}
	now := h.flow.Clock.Now()
	if !at.Valid(now) || !sess.Active() || !owner.CanSignIn {
		return inactive, nil
	}
	user := model.User{ID: sess.UserID, Username: owner.Username}
	if at.FirstUsedAt.IsZero() {
		// Buffered, never written here: the first use ends the retry window of the refresh
		// token that issued this one (store.SessionStore.Refresh).
		h.activity.AccessTokenUsed(at.ID, now)
	}
	if now.Sub(sess.LastActiveAt) >= activityPrecision {
		// The homeserver's address says nothing of the device's, so no IP here.
		h.activity.SessionActive(sess.ID, now, "")
	}
	// Rounded down, so the homeserver's cache (SYNAPSE.md §1.2 step 2) never outlives the
	// token; always ≥ 0 since the token is valid at now.
	expiresIn := int64(at.ExpiresAt.Sub(now) / time.Second)
	resp := activeResponse(sess, user, at.CreatedAt)
	resp.TokenType = "access_token"
	resp.Exp = at.ExpiresAt.Unix()
	resp.ExpiresIn = &expiresIn
	return resp, nil
}

// refreshToken answers for a refresh token (mar_), as MAS does: active while it is neither
// spent nor revoked and its session and user are; refresh tokens do not expire.
func (h *introspection) refreshToken(ctx context.Context, tok string) (introspectionResponse, error) {
	rt, sess, owner, err := h.flow.Store.Sessions().RefreshTokenByHash(ctx, token.Hash(tok))
	if errors.Is(err, store.ErrNotFound) {
		return inactive, nil
	}
	if err != nil {
		return introspectionResponse{}, err
	}
	if !rt.RevokedAt.IsZero() || !rt.ConsumedAt.IsZero() || !sess.Active() || !owner.CanSignIn {
		return inactive, nil
	}
	resp := activeResponse(sess, model.User{ID: sess.UserID, Username: owner.Username}, rt.CreatedAt)
	resp.TokenType = "refresh_token"
	return resp, nil
}

// introspectionResponse is RFC 7662 §2.2, with the fields in MAS's order and the types
// Synapse's strict model wants (SYNAPSE.md §1.2: expires_in a JSON integer, scope a
// space-separated string). An inactive answer is {"active":false} alone.
type introspectionResponse struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Username  string `json:"username,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	// ExpiresIn is a pointer so that 0 (under a second left) is still sent: Synapse reads a
	// missing expires_in as "never expires".
	ExpiresIn *int64 `json:"expires_in,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	Sub       string `json:"sub,omitempty"`
	DeviceID  string `json:"device_id,omitempty"`
}

// appendJSON appends r as encoding/json encodes it with HTML escaping off (web.WriteJSON's
// form), without reflection: this is the homeserver's hot path, and the reflective encoder
// cost as much as the rest of the handler outside the database (2.5 µs and 3 allocations per
// answer). A test holds the two encodings equal.
func (r introspectionResponse) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"active":`...)
	dst = strconv.AppendBool(dst, r.Active)
	dst = appendStringField(dst, "scope", r.Scope)
	dst = appendStringField(dst, "client_id", r.ClientID)
	dst = appendStringField(dst, "username", r.Username)
	dst = appendStringField(dst, "token_type", r.TokenType)
	if r.Exp != 0 {
		dst = strconv.AppendInt(append(dst, `,"exp":`...), r.Exp, 10)
	}
	if r.ExpiresIn != nil {
		dst = strconv.AppendInt(append(dst, `,"expires_in":`...), *r.ExpiresIn, 10)
	}
	if r.Iat != 0 {
		dst = strconv.AppendInt(append(dst, `,"iat":`...), r.Iat, 10)
	}
	dst = appendStringField(dst, "sub", r.Sub)
	dst = appendStringField(dst, "device_id", r.DeviceID)
	return append(dst, '}')
}

// appendStringField appends ,"name":"value" unless value is empty (omitempty).
func appendStringField(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	dst = append(append(append(dst, ',', '"'), name...), '"', ':')
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return appendQuoted(dst, value) // rare: let encoding/json escape it
		}
	}
	return append(append(append(dst, '"'), value...), '"')
}

// appendQuoted appends s as a JSON string the way encoding/json does without HTML escaping
// (control characters, invalid UTF-8, U+2028 and U+2029 included).
func appendQuoted(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// activeResponse is what access and refresh tokens share: the session's scope, client,
// user and device. The device is sent both as device_id (which Synapse prefers) and in the
// scope (which older homeservers read, SYNAPSE.md §1.2 step 5).
func activeResponse(sess model.Session, u model.User, issuedAt time.Time) introspectionResponse {
	return introspectionResponse{
		Active:   true,
		Scope:    IntrospectionScope(sess.Scope),
		ClientID: sess.ClientID,
		Username: u.Username,
		Iat:      issuedAt.Unix(),
		Sub:      u.ID,
		DeviceID: sess.DeviceID,
	}
}

// IntrospectionScope normalises a granted scope for the homeserver as MAS does: the Matrix
// API token and each device token appear in both the stable and the MSC2967 unstable
// spelling, whichever the client asked for, so a homeserver that knows only one of them
// still finds it (Synapse checks for either API token, SYNAPSE.md §1.2 step 3). Other tokens
// (openid, ...) are kept as granted. Each token appears once, in the order granted, the
// stable spelling first.
func IntrospectionScope(granted string) string {
	var b strings.Builder
	b.Grow(2 * len(granted))
	seen := make([]string, 0, 8)
	add := func(tok string) {
		for _, s := range seen {
			if s == tok {
				return
			}
		}
		seen = append(seen, tok)
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	for tok := range strings.FieldsSeq(granted) {
		switch {
		case tok == oauth2.ScopeMatrixAPI || tok == oauth2.ScopeMatrixAPIUnstable:
			add(oauth2.ScopeMatrixAPI)
			add(oauth2.ScopeMatrixAPIUnstable)
		case strings.HasPrefix(tok, oauth2.ScopeMatrixDevicePrefix):
			id := tok[len(oauth2.ScopeMatrixDevicePrefix):]
			add(tok)
			add(oauth2.ScopeMatrixDevicePrefixUnstable + id)
		case strings.HasPrefix(tok, oauth2.ScopeMatrixDevicePrefixUnstable):
			id := tok[len(oauth2.ScopeMatrixDevicePrefixUnstable):]
			add(oauth2.ScopeMatrixDevicePrefix + id)
			add(tok)
		default:
			add(tok)
		}
	}
	return b.String()
}
