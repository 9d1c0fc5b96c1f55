// Package password owns password hashing: it hashes new passwords with argon2id (RFC 9106) in
// the PHC string format, verifies argon2id hashes and the bcrypt hashes imported from Synapse
// (with Synapse's pepper and NFKC normalisation), tells the login handler when a stored hash
// should be upgraded, and keeps a login storm from taking every core by running at most a
// fixed number of computations at once (SYNAPSE.md §2.5, DESIGN.md "Performance budgets").
//
// It knows nothing of users or storage: the login handler fetches the stored hash, calls
// Hasher.Verify (or Hasher.DummyVerify for an unknown user, so that timing does not reveal
// which usernames exist) and stores Hasher.Hash's result when Verify reports needsRehash.
package password
