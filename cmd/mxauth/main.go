// Command mxauth is the mxauth server and its operator tools. Run with no arguments it serves
// on 127.0.0.1:8080 with an embedded SQLite database in ./mxauth-data.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise it comes
// from the module's build information.
var version = ""

func main() {
	err := newRootCommand(os.Stdin, os.Stdout, os.Stderr).Execute()
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "mxauth:", err)
	var ee exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	os.Exit(1)
}

// exitError carries a specific exit status: 2 for bad usage or configuration.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func usageError(err error) error { return exitError{code: 2, err: err} }

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
