package synapsetest

import (
	"net/http"
	"slices"
	"strings"
)

// Fault is a failure to inject, so that tests can take "Synapse" down and bring it back.
type Fault struct {
	// Status is answered with a Matrix error body (M_UNKNOWN); it should be a 4xx or 5xx,
	// anything else (zero included) means 500.
	Status int
	// Hang makes the request wait, unanswered, until its context ends (the client timed out
	// or went away) or ClearFaults is called (then it gets a 503).
	Hang bool
	// Times is how many requests the fault affects; 0 means until ClearFaults.
	Times int
}

type activeFault struct {
	Fault
	paths []string // nil: every /_synapse/mas/ path
	used  int
}

// InjectFault makes requests to paths (every /_synapse/mas/ path when none is given) fail
// as f says, before any other processing, as a broken or overloaded Synapse would. The
// latest matching fault wins.
func (s *Server) InjectFault(f Fault, paths ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, paths: slices.Clone(paths)})
}

// ClearFaults removes every injected fault and frees the requests hanging on one.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	close(s.releaseHung)
	s.releaseHung = make(chan struct{})
}

// applyFault answers r with a matching fault, reporting whether it did.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	var fault *activeFault
	for i := len(s.faults) - 1; i >= 0; i-- {
		if f := s.faults[i]; f.matches(r.URL.Path) {
			fault = f
			break
		}
	}
	if fault == nil {
		s.mu.Unlock()
		return false
	}
	fault.used++
	if fault.Times > 0 && fault.used >= fault.Times {
		s.faults = slices.DeleteFunc(s.faults, func(f *activeFault) bool { return f == fault })
	}
	release := s.releaseHung
	if fault.Hang {
		s.hanging++
	}
	s.mu.Unlock()

	if fault.Hang {
		select {
		case <-r.Context().Done():
		case <-release:
			newError(http.StatusServiceUnavailable, codeUnknown, "injected hang released").write(w)
		}
		s.mu.Lock()
		s.hanging--
		s.mu.Unlock()
		return true
	}
	status := fault.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	newError(status, codeUnknown, "injected fault").write(w)
	return true
}

func (f *activeFault) matches(path string) bool {
	if f.paths == nil {
		return strings.HasPrefix(path, MASPath(""))
	}
	return slices.Contains(f.paths, path)
}

// Hanging is how many requests are hanging on a fault right now, so that a test can wait
// until its request got there.
func (s *Server) Hanging() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hanging
}
