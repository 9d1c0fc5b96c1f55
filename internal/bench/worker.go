package bench

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// phaseControl is shared by all workers of one phase (warm-up or measurement).
type phaseControl struct {
	stop atomic.Bool
	// limited is set for a fixed request count; each worker then takes a ticket from
	// remaining before sending, so exactly that many requests are sent in total.
	limited   bool
	remaining atomic.Int64
}

// firstError remembers the earliest error a worker saw, to show one concrete example.
type firstError struct {
	at      time.Time
	message string
}

// earlier returns whichever of a and b happened first, ignoring empty ones.
func earlier(a, b firstError) firstError {
	switch {
	case a.message == "":
		return b
	case b.message == "":
		return a
	case b.at.Before(a.at):
		return b
	default:
		return a
	}
}

// worker drives one connection. All its fields are private to its goroutine during a phase
// and read by the runner only after the phase has ended.
type worker struct {
	conn      *conn
	requester Requester
	reader    ResponseReader // requester as ResponseReader, or nil

	latency         Histogram // successful requests only
	requests        uint64    // every request that was sent, whatever its outcome
	transportErrors uint64
	statusErrors    uint64
	firstTransport  firstError
	firstStatus     firstError
	fatal           error // the requester failed; the run cannot continue
}

func newWorker(c *conn, requester Requester) *worker {
	reader, _ := requester.(ResponseReader)
	return &worker{conn: c, requester: requester, reader: reader}
}

// reset discards the counts of the previous phase (the warm-up).
func (w *worker) reset() {
	w.latency.Reset()
	w.requests, w.transportErrors, w.statusErrors = 0, 0, 0
	w.firstTransport, w.firstStatus = firstError{}, firstError{}
}

// run sends requests until the phase stops or its request budget is spent.
func (w *worker) run(ctl *phaseControl) {
	for !ctl.stop.Load() {
		if ctl.limited && ctl.remaining.Add(-1) < 0 {
			return
		}
		w.sendOne()
		if w.fatal != nil {
			ctl.stop.Store(true)
			return
		}
	}
}

// sendOne sends one request, reads the whole response, and records the outcome. The latency
// runs from just before the request is written until the last byte of the body has been read.
func (w *worker) sendOne() {
	req, expect, err := w.requester.Next()
	if err != nil {
		w.fatal = fmt.Errorf("building request: %w", err)
		return
	}
	start := time.Now()
	resp, err := w.conn.send(req)
	if err != nil {
		w.requests++
		w.transportErrors++
		w.noteTransportError(start, req, err)
		return
	}
	ok := expect.Allows(resp.StatusCode)
	var readErr error
	if ok && w.reader != nil {
		readErr = w.reader.ReadResponse(resp)
	}
	finishErr := w.conn.finish(resp)
	elapsed := time.Since(start)
	w.requests++
	switch {
	case finishErr != nil:
		w.transportErrors++
		w.noteTransportError(start, req, finishErr)
	case !ok:
		w.statusErrors++
		if w.firstStatus.message == "" { // format once: an all-500 run must stay cheap
			w.firstStatus = firstError{start, fmt.Sprintf("%s %s: unexpected status %q, want %v",
				req.Method, req.URL, resp.Status, []int(expect))}
		}
	case readErr != nil:
		w.statusErrors++
		if w.firstStatus.message == "" {
			w.firstStatus = firstError{start, fmt.Sprintf("%s %s: status %d but response rejected: %v",
				req.Method, req.URL, resp.StatusCode, readErr)}
		}
	default:
		w.latency.Record(elapsed)
	}
}

func (w *worker) noteTransportError(at time.Time, req *http.Request, err error) {
	if w.firstTransport.message == "" {
		w.firstTransport = firstError{at, fmt.Sprintf("%s %s: %v", req.Method, req.URL, err)}
	}
}
