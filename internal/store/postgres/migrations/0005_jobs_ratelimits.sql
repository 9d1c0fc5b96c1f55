-- The background job queue (internal/model job.go; store.JobStore) and the token buckets of
-- rate limits that must hold across replicas (store.RateLimitStore). IDs and keys use the
-- "C" collation, so that ORDER BY breaks ties in byte order, as in SQLite.

-- Jobs: idempotent work for the background worker, such as a call to the homeserver. A job
-- is queued from Enqueue until Complete deletes it, so every row is queued and job_key is
-- UNIQUE: a second Enqueue of one key lands on the queued row (ON CONFLICT) instead of adding
-- another. version starts at 1 and grows with each such Enqueue, so that Complete of a run
-- that began before it keeps the job. locked_until is the lease of the worker that claimed
-- it: NULL while nobody has, and a lease in the past is free again.
CREATE TABLE jobs (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    kind         TEXT        NOT NULL,
    job_key      TEXT COLLATE "C" NOT NULL UNIQUE,
    payload      TEXT        NOT NULL,
    version      BIGINT      NOT NULL,
    attempts     INTEGER     NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    last_error   TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- JobStore.Claim and List take jobs in this order, oldest run_at first.
CREATE INDEX jobs_run_at ON jobs (run_at, id);

-- Token buckets. tokens is what the bucket held at updated_at; what it holds later is
-- computed on each Take from the refill rate the caller passes (a bucket refills to full by
-- itself, so a missing row means a full bucket and DeleteIdle may drop idle ones).
CREATE TABLE rate_limit_buckets (
    bucket_key TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ      NOT NULL
);

-- RateLimitStore.DeleteIdle.
CREATE INDEX rate_limit_buckets_updated ON rate_limit_buckets (updated_at);
