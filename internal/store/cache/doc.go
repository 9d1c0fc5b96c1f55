// Package cache keeps recently read OAuth clients in memory in front of any store.Store.
//
// Every token request authenticates its client (RFC 6749 §2.3), so without a cache each
// refresh and code exchange reads and decodes the client's registration from the database:
// on SQLite about 8 % of a refresh's CPU, on PostgreSQL one of its few round trips. Clients
// hardly change: a dynamic registration is immutable (RFC 7591 gives no update here), static
// clients change only when the server restarts with a new configuration, and the only
// deletion at run time is the cleanup of registrations that never started a session.
//
// Entries live for a short TTL, and this process's own writes drop them at once (MarkUsed,
// SyncStatic, DeleteUnusedDynamic). A change made by another replica or by the CLI is
// therefore seen within the TTL; the worst case is a registration deleted by another
// replica's cleanup being accepted for that long, and since its grants went with it (ON
// DELETE CASCADE), nothing can be issued for it. Failed lookups are never cached, so a
// client registered a moment ago is found at once.
package cache
