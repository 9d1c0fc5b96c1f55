// Package activity owns the in-memory record of token use that the introspection hot path
// keeps instead of writing to the database (DESIGN.md: "no write on this path (activity is
// buffered)").
//
// A Buffer remembers, for each access token seen in use whose first use is not stored yet,
// the earliest time it was seen. Its Run loop hands them to the store in batches
// (store.SessionStore.MarkAccessTokensUsed) every flush interval, at once when a batch is
// full, and a last time at shutdown. Memory is bounded: when MaxPending tokens wait, further
// new tokens are not recorded, and the count of such drops is logged at the next flush. A
// dropped use is not lost for good: the token's first use is still unset in the database, so
// its next introspection records it again.
//
// Why the first use matters: it feeds refresh-token rotation (store.SessionStore.Refresh). A
// spent refresh token may be presented again (a retry after a lost response) only while its
// successor's access token has never been used; once that first use is stored, presenting it
// again is a replay and ends the session. The flush interval (DefaultFlushInterval, 5 s) is
// therefore the longest time during which a replay of the previous refresh token, made just
// after the new access token was first used, is still taken for a retry.
package activity
