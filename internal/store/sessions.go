package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/model"
)

// GrantStore keeps authorization grants (the authorization code flow, RFC 6749 §4.1).
type GrantStore interface {
	// Create stores a new grant in status pending.
	Create(ctx context.Context, g model.AuthorizationGrant) error
	// Get returns the grant, or ErrNotFound.
	Get(ctx context.Context, id string) (model.AuthorizationGrant, error)
	// GetByCodeHash returns the grant whose code hashes to hash, whatever its status, or
	// ErrNotFound.
	GetByCodeHash(ctx context.Context, hash []byte) (model.AuthorizationGrant, error)
	// Fulfil moves a pending grant to fulfilled: the user consented at f.FulfilledAt and the
	// code hashing to f.CodeHash was issued; ExpiresAt is replaced by f.ExpiresAt. A grant
	// that is not pending is ErrConflict (guarded update); a missing one ErrNotFound.
	Fulfil(ctx context.Context, id string, f GrantFulfilment) error
	// Deny moves a pending grant to denied (ErrConflict if not pending).
	Deny(ctx context.Context, id string) error
	// DeleteExpired deletes at most limit grants whose ExpiresAt is before cutoff and that
	// were never exchanged, and returns how many it deleted. Exchanged grants stay while
	// their session does, so a replayed code can still be recognised.
	DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// GrantFulfilment is what Fulfil records.
type GrantFulfilment struct {
	UserID           string
	BrowserSessionID string
	AuthTime         time.Time
	CodeHash         []byte
	FulfilledAt      time.Time
	ExpiresAt        time.Time
}

// NewSession is a session with its first access and refresh tokens.
type NewSession struct {
	Session      model.Session
	AccessToken  model.AccessToken
	RefreshToken model.RefreshToken
}

// NewTokens is the token pair a refresh issues.
type NewTokens struct {
	AccessToken  model.AccessToken
	RefreshToken model.RefreshToken
}

// RefreshOutcome says what Refresh did.
type RefreshOutcome int

const (
	// Rotated: the presented refresh token was spent for the first time.
	Rotated RefreshOutcome = iota + 1
	// Retried: the presented token had been spent, but its successor was never used, so the
	// client is taken to have lost the response: the unused successor pair is revoked and
	// the new pair replaces it (Matrix CS API: the server "MUST ensure that the client is
	// able to retry the refresh request in the case that the response to the request is lost").
	Retried
)

// TokenOwner is what the token paths need of a session's user.
type TokenOwner struct {
	Username string
	// CanSignIn is false for a locked or deactivated user (model.User.CanSignIn).
	CanSignIn bool
}

// SessionStore keeps OAuth 2.0 sessions and their tokens.
type SessionStore interface {
	// AccessTokenWithOwner is AccessTokenByHash that also returns the session's user, in one
	// query: it serves the homeserver's introspection of every request, the hot path.
	AccessTokenWithOwner(ctx context.Context, hash []byte) (model.AccessToken, model.Session, TokenOwner, error)
	// Refresh spends the refresh token presentedID for the pair in next, in one transaction
	// whose first statement is a guarded update, so concurrent refreshes of one token never
	// leave two live refresh tokens:
	//   - the presented token must be unrevoked, and its session active; otherwise
	//     ErrConflict and nothing is written;
	//   - never spent → it becomes spent (ConsumedAt = now, NextID = next's refresh token),
	//     next is stored; outcome Rotated;
	//   - spent, and its successor (NextID) neither spent nor revoked, and the successor's
	//     access token never used (FirstUsedAt zero) → the successor pair is revoked, NextID
	//     now names next's refresh token, next is stored; outcome Retried;
	//   - spent, and its successor used → a replay of an old token (the Matrix spec: "the
	//     homeserver SHOULD consider that the session is compromised if an old, invalidated
	//     refresh token is used, and SHOULD revoke the session"): the session is ended at now
	//     with all its tokens revoked, and ErrReplay is returned.
	// next's tokens must name the presented token's session, and next's refresh token must
	// name next's access token. ErrNotFound if presentedID does not exist.
	Refresh(ctx context.Context, presentedID string, next NewTokens, now time.Time) (RefreshOutcome, error)
	// MarkAccessTokensUsed records that these access tokens were used at t (the first use
	// wins). Introspection buffers uses in memory and flushes them with this in batches.
	MarkAccessTokensUsed(ctx context.Context, ids []string, t time.Time) error
	// RecordActivity records that sessions were active: LastActiveAt becomes the later of the
	// stored and the given time; LastActiveIP is replaced when the given time is the later one
	// and IP is not empty. Unknown session IDs are skipped. Batched: one transaction for all.
	RecordActivity(ctx context.Context, activity []SessionActivity) error
	// DeleteExpired removes dead rows, at most limit of them in all, and returns how many it
	// removed: sessions that ended before cutoff (their tokens go with them); access tokens
	// that expired or were revoked before cutoff; refresh tokens revoked before cutoff; and
	// spent refresh tokens whose successor was itself spent before cutoff (a token's direct
	// successor chain is kept one step deep, enough to tell a retry or a replay of the
	// previous token).
	DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error)

	// StartFromGrant exchanges a fulfilled grant for a new session, in one transaction:
	//   - the grant moves fulfilled → exchanged (ExchangedAt = now, SessionID = the new
	//     session's ID) by a guarded update; a grant in any other status is ErrConflict and
	//     nothing is written, so a code is spent at most once even under concurrency;
	//   - every active session of the same user and device ID is ended at now, with its
	//     tokens revoked (Matrix: a login that reuses a device ID invalidates the device's
	//     older tokens), and returned;
	//   - the session and its tokens are stored.
	StartFromGrant(ctx context.Context, grantID string, ns NewSession, now time.Time) (ended []model.Session, err error)
	// Get returns a session, or ErrNotFound.
	Get(ctx context.Context, id string) (model.Session, error)
	// End ends an active session at t and revokes its access and refresh tokens; ending an
	// ended session changes nothing and is not an error. ErrNotFound if no such session.
	End(ctx context.Context, id string, t time.Time) error
	// ListActiveByUser returns the user's active sessions, newest first.
	ListActiveByUser(ctx context.Context, userID string) ([]model.Session, error)
	// AccessTokenByHash returns the access token with this hash and its session, whatever
	// their state, or ErrNotFound. Callers check validity (model.AccessToken.Valid,
	// model.Session.Active).
	AccessTokenByHash(ctx context.Context, hash []byte) (model.AccessToken, model.Session, error)
	// RefreshTokenByHash returns the refresh token with this hash and its session, whatever
	// their state, or ErrNotFound.
	// Like AccessTokenWithOwner, it brings the session's user in the same query: the refresh
	// grant needs the user's name and lock state, and on PostgreSQL a round trip is the cost.
	RefreshTokenByHash(ctx context.Context, hash []byte) (model.RefreshToken, model.Session, TokenOwner, error)
}

// SessionActivity is one use of a session that the token paths saw: when, and from which
// client IP address (empty: unknown).
type SessionActivity struct {
	SessionID string
	At        time.Time
	IP        string
}

// ActivitySummary is what RecordActivity writes for one session of a batch: the latest time
// the batch saw it, and the latest time it saw it with an IP address, with that address.
type ActivitySummary struct {
	SessionID string
	LastAt    time.Time
	// IP is empty, and IPAt zero, when no entry of the session had an address.
	IP   string
	IPAt time.Time
}

// SummarizeActivity checks a RecordActivity batch and folds it into one summary per session,
// in byte order of the session IDs (a fixed order in which a backend can lock the rows, so
// that two batches cannot deadlock each other).
//
// Writing a summary has the effect of writing the session's entries one by one in time
// order: each moves LastActiveAt forward, and one later than everything before it replaces
// the IP if it has one. So the address written is the batch's latest non-empty one, and only
// if its time is later than the stored LastActiveAt; of entries with equal times the last
// given wins. An entry whose session ID no session can have is dropped (unknown sessions are
// skipped); a zero time, which reads back as "never", or an IP address that no backend can
// store is refused with a plain error, for the whole batch.
func SummarizeActivity(activity []SessionActivity) ([]ActivitySummary, error) {
	bySession := make(map[string]*ActivitySummary, len(activity))
	for _, a := range activity {
		if err := CheckTimeIsSet("time of activity", a.At); err != nil {
			return nil, err
		}
		if err := checkTexts(namedText{"IP address", a.IP}); err != nil {
			return nil, err
		}
		if !IsStorableKey(a.SessionID) {
			continue
		}
		sum, ok := bySession[a.SessionID]
		if !ok {
			sum = &ActivitySummary{SessionID: a.SessionID, LastAt: a.At}
			bySession[a.SessionID] = sum
		}
		if a.At.After(sum.LastAt) {
			sum.LastAt = a.At
		}
		if a.IP != "" && !a.At.Before(sum.IPAt) {
			sum.IP, sum.IPAt = a.IP, a.At
		}
	}
	summaries := make([]ActivitySummary, 0, len(bySession))
	for _, sum := range bySession {
		summaries = append(summaries, *sum)
	}
	slices.SortFunc(summaries, func(a, b ActivitySummary) int { return strings.Compare(a.SessionID, b.SessionID) })
	return summaries, nil
}
