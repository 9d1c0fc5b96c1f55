// Package synapse owns mxauth's client of Synapse's internal MAS API (/_synapse/mas/*,
// Synapse ≥ 1.135; SYNAPSE.md §1.3): one method per call of that table, each sending exactly
// the documented request with the shared secret as bearer, checking the documented status
// codes and turning Matrix error bodies into *matrix.Error.
package synapse
