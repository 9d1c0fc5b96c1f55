// Package synapsetest owns a strict in-process stand-in for Synapse with MAS delegation
// enabled (SYNAPSE.md §1), for tests: Synapse is Python and not packaged for the test
// machine, so this is what mxauth's Homeserver client and end-to-end tests talk to.
//
// It serves both sides Synapse serves:
//   - the internal MAS API (/_synapse/mas/*, §1.3), validating bodies the way Synapse's
//     Pydantic strict models do and keeping users, devices and cross-signing state;
//   - the client-facing endpoints that change when MAS is enabled (§1.2, §1.4): versions,
//     auth_metadata and auth_issuer passed through from mxauth's discovery document, the
//     client well-known, whoami authenticated by introspecting the token at mxauth exactly
//     as MasDelegatedAuth does (2-minute cache, device must exist), and the cross-signing
//     upload that needs MAS's approval to replace a master key.
//
// Tests inspect its state, log of calls and can inject faults (errors, hangs) on any path.
package synapsetest
