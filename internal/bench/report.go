package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"
)

// Result is what one run measured (the warm-up excluded).
type Result struct {
	Scenario    string
	URL         string
	Connections int
	Warmup      time.Duration
	// Elapsed is the wall time of the measured phase, from the first request sent to the
	// last response read.
	Elapsed time.Duration
	// Requests counts every request sent: successes, transport errors and status errors.
	Requests uint64
	// TransportErrors are requests that got no complete HTTP response (refused, reset,
	// timed out, body cut short).
	TransportErrors uint64
	// StatusErrors are responses whose status code the scenario did not expect, or whose
	// body it rejected.
	StatusErrors        uint64
	FirstTransportError string
	FirstStatusError    string
	// Latency summarises successful requests only: a fast 500 must not flatter p50.
	Latency LatencySummary
	// Interrupted is set when the run was stopped early (Ctrl-C).
	Interrupted bool
}

// LatencySummary holds the percentiles of one run (see Histogram.Percentile for the
// definition and the error bound).
type LatencySummary struct {
	P50, P90, P99, Max, Mean time.Duration
}

// Summarize computes the reported percentiles of h.
func Summarize(h *Histogram) LatencySummary {
	return LatencySummary{
		P50:  h.Percentile(50),
		P90:  h.Percentile(90),
		P99:  h.Percentile(99),
		Max:  h.Max(),
		Mean: h.Mean(),
	}
}

// collect merges the workers' counts into r.
func (r *Result) collect(workers []*worker) {
	var all Histogram
	var firstTransport, firstStatus firstError
	for _, w := range workers {
		all.Merge(&w.latency)
		r.Requests += w.requests
		r.TransportErrors += w.transportErrors
		r.StatusErrors += w.statusErrors
		firstTransport = earlier(firstTransport, w.firstTransport)
		firstStatus = earlier(firstStatus, w.firstStatus)
	}
	r.FirstTransportError = firstTransport.message
	r.FirstStatusError = firstStatus.message
	r.Latency = Summarize(&all)
}

// RequestsPerSecond is Requests divided by Elapsed; 0 for an empty run. It counts failed
// requests too (as wrk does); a run with errors is not a valid measurement, which the text
// report says loudly.
func (r Result) RequestsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// WriteText writes the human-readable report.
func (r Result) WriteText(w io.Writer) error {
	errs := r.TransportErrors + r.StatusErrors
	p := &errWriter{w: w}
	p.printf("scenario      %s\n", r.Scenario)
	p.printf("target        %s\n", r.URL)
	p.printf("connections   %d\n", r.Connections)
	p.printf("duration      %.3fs (warm-up %s, discarded)\n", r.Elapsed.Seconds(), r.Warmup)
	p.printf("requests      %d\n", r.Requests)
	p.printf("errors        %d (transport %d, status %d)\n", errs, r.TransportErrors, r.StatusErrors)
	if r.FirstTransportError != "" {
		p.printf("  first transport error: %s\n", r.FirstTransportError)
	}
	if r.FirstStatusError != "" {
		p.printf("  first status error:    %s\n", r.FirstStatusError)
	}
	p.printf("req/s         %.1f\n", r.RequestsPerSecond())
	l := r.Latency
	p.printf("latency (ms)  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  mean %.3f\n",
		millis(l.P50), millis(l.P90), millis(l.P99), millis(l.Max), millis(l.Mean))
	if r.Interrupted {
		p.printf("note          interrupted: the run stopped early\n")
	}
	if errs > 0 {
		p.printf("WARNING       %d of %d requests failed: these figures are not a valid measurement\n", errs, r.Requests)
	}
	return p.err
}

// jsonReport fixes the JSON field names; they are a stable interface for scripts.
type jsonReport struct {
	Scenario            string  `json:"scenario"`
	URL                 string  `json:"url"`
	Connections         int     `json:"connections"`
	WarmupSeconds       float64 `json:"warmup_seconds"`
	DurationSeconds     float64 `json:"duration_seconds"`
	Requests            uint64  `json:"requests"`
	Errors              uint64  `json:"errors"`
	TransportErrors     uint64  `json:"transport_errors"`
	StatusErrors        uint64  `json:"status_errors"`
	FirstTransportError string  `json:"first_transport_error"`
	FirstStatusError    string  `json:"first_status_error"`
	RequestsPerSecond   float64 `json:"requests_per_second"`
	LatencyP50Ms        float64 `json:"latency_p50_ms"`
	LatencyP90Ms        float64 `json:"latency_p90_ms"`
	LatencyP99Ms        float64 `json:"latency_p99_ms"`
	LatencyMaxMs        float64 `json:"latency_max_ms"`
	LatencyMeanMs       float64 `json:"latency_mean_ms"`
	Interrupted         bool    `json:"interrupted"`
}

// WriteJSON writes the report as one JSON object followed by a newline.
func (r Result) WriteJSON(w io.Writer) error {
	l := r.Latency
	return json.NewEncoder(w).Encode(jsonReport{
		Scenario:            r.Scenario,
		URL:                 r.URL,
		Connections:         r.Connections,
		WarmupSeconds:       r.Warmup.Seconds(),
		DurationSeconds:     round(r.Elapsed.Seconds(), 3),
		Requests:            r.Requests,
		Errors:              r.TransportErrors + r.StatusErrors,
		TransportErrors:     r.TransportErrors,
		StatusErrors:        r.StatusErrors,
		FirstTransportError: r.FirstTransportError,
		FirstStatusError:    r.FirstStatusError,
		RequestsPerSecond:   round(r.RequestsPerSecond(), 1),
		LatencyP50Ms:        round(millis(l.P50), 3),
		LatencyP90Ms:        round(millis(l.P90), 3),
		LatencyP99Ms:        round(millis(l.P99), 3),
		LatencyMaxMs:        round(millis(l.Max), 3),
		LatencyMeanMs:       round(millis(l.Mean), 3),
		Interrupted:         r.Interrupted,
	})
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round(x float64, decimals int) float64 {
	scale := math.Pow(10, float64(decimals))
	return math.Round(x*scale) / scale
}

// errWriter keeps the first write error so the report reads as a list of lines.
type errWriter struct {
	w   io.Writer
	err error
}

func (p *errWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
