//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // the profiling handlers, only in binaries built with -tags pprof
	"os"
)

// A binary built with -tags pprof serves Go's profiles on MXAUTH_PPROF_ADDR (for example
// 127.0.0.1:6060), for measuring the server under cmd/mxauth-bench (docs/BENCHMARKS.md).
// Release builds do not contain this file.
func init() {
	if addr := os.Getenv("MXAUTH_PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
