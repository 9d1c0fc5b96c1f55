package store

// RefreshSuccessor is what a backend's SessionStore.Refresh reads about the successor of a
// presented refresh token that was spent already, to tell a retry from a replay. The backend
// reads it with SQL of its own dialect; the decision is Retryable's, so that both backends
// make it alike.
type RefreshSuccessor struct {
	// ID is the successor's ID (the spent token's NextID) if its row still exists, else "".
	ID string
	// Live: the successor is neither spent nor revoked.
	Live bool
	// AccessTokenID is the access token issued with the successor ("" if none), and
	// AccessTokenUnused says that this access token exists and was never used.
	AccessTokenID     string
	AccessTokenUnused bool
}

// Retryable reports whether the client can be taken to have lost the response that carried
// the successor: the successor is live and its access token never used (Matrix CS API
// "Refreshing an access token": the client must be able to retry a refresh whose response
// was lost). A successor or access token that no longer exists (deleted by DeleteExpired)
// cannot prove that it was unused, so it counts as used: a replay, which fails safe.
func (s RefreshSuccessor) Retryable() bool {
	return s.ID != "" && s.Live && (s.AccessTokenID == "" || s.AccessTokenUnused)
}
