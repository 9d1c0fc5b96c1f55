// Package ratelimit keeps in-process token buckets keyed by a string (a client IP address,
// say), with memory bounded by forgetting buckets that have refilled. Limits that must hold
// across replicas are kept in the store instead, by the features that need them.
package ratelimit
