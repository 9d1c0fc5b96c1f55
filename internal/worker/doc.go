// Package worker runs mxauth's periodic background jobs (expired-data cleanup now; homeserver
// sync retries later). Every job is idempotent and bounded per run, so several replicas may
// run the same job against one database without coordination.
package worker
