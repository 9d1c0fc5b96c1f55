// Package bench owns the HTTP load generator behind cmd/mxauth-bench: the scenario registry
// (what request to send and which status codes count as success), the runner (N keep-alive
// HTTP/1.1 connections, one worker each, a warm-up phase whose results are discarded), the
// latency histogram, and the report (text and JSON).
//
// A benchmark prints numbers; it never decides pass or fail. The performance budgets in
// DESIGN.md are compared by a person reading the report, with the exact command recorded in
// docs/BENCHMARKS.md.
//
// Latencies are measured with time.Now and time.Since directly rather than through
// internal/clock: clock.Real returns UTC, which drops the monotonic reading, and a latency
// taken from the wall clock is wrong whenever the wall clock is stepped. No test in this package
// depends on how long anything takes.
package bench
