// Package arch holds no code: its test enforces the layering in DESIGN.md (dependencies point
// inward, only internal/app picks a storage backend, every package has a doc.go).
package arch
