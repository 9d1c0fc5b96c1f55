// Package app is mxauth's composition root: from a validated config.Config it binds the
// listeners, opens the store (the only package that imports the concrete backends), applies
// migrations, loads the encryption secret and the signing keys, mounts every feature's routes
// and serves until its context ends, then shuts down gracefully.
package app
