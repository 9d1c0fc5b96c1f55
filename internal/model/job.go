package model

import "time"

// Job is one unit of work for the background worker (e.g. a call to the homeserver).
type Job struct {
	ID   string // ULID
	Kind string // e.g. "matrix.sync_devices"
	// Key collapses duplicates: while a job with the same Key is queued, enqueueing another one
	// updates the queued one instead of adding a second.
	Key     string
	Payload string // JSON, opaque to the store
	// Version grows each time an Enqueue lands on this queued job, so that a run that started
	// before that Enqueue does not remove it (see JobStore.Complete).
	Version     int64
	Attempts    int       // how many times it was claimed
	RunAt       time.Time // not before
	LockedUntil time.Time // lease of the worker that claimed it (zero: free)
	LastError   string
	CreatedAt   time.Time
}
