// Package provision keeps the homeserver's users and devices in step with mxauth's accounts
// and sessions (SYNAPSE.md §1.3 and §1.6 item 3): Synapse must know a user before any of
// their tokens is introspected, must know a device before the token response that names it
// (so the client's first /whoami works), and must forget a device as soon as its session ends
// (so logout takes effect at once despite Synapse's 2-minute introspection cache).
//
// Device creation is synchronous (EnsureDevice, on the token path: a failure answers 503 and
// spends nothing). Everything else is an idempotent job in the store's queue (store.JobStore):
// the caller changes the state, enqueues a job that reconciles the homeserver with that state,
// and tries it at once with a short timeout; if the homeserver is down, the background worker
// retries the job with exponential backoff until it succeeds. Jobs read the current state when
// they run, so a retried or duplicated job never undoes a newer change, and enqueueing a job
// for a user who already has one queued only moves it earlier (the queue's Key). With several
// replicas on one PostgreSQL database, a job is leased by one worker at a time.
//
// With matrix.kind none there is no homeserver: nothing is enqueued and every call succeeds.
package provision
