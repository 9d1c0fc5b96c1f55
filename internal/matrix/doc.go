// Package matrix owns what mxauth asks of the Matrix homeserver: the Homeserver interface
// (the operations of SYNAPSE.md §1.3, which MAS performs through Synapse's /_synapse/mas API),
// the typed errors a homeserver answers with, the transient/permanent split that background
// jobs use to decide whether to retry, and Standalone, the Homeserver of a deployment without
// one (`matrix.kind: none`).
//
// Concrete clients live below: synapse (the HTTP client) and synapsetest (a strict
// in-process Synapse stand-in for tests).
package matrix
