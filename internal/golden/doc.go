// Package golden compares wire-visible output in tests with files under testdata/ (house rule
// 9). Run `UPDATE_GOLDEN=1 go test ./...` to rewrite the files after an intended change, then
// review the diff.
package golden
