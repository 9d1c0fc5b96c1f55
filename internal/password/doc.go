// Package password owns password hashing: it hashes new passwords with argon2id (RFC 9106) in
// the PHC string format, verifies argon2id hashes and the bcrypt hashes imported from Synapse
// (with Synapse's pepper and NFKC normalisation), tells the login handler when a stored hash
// should be upgraded, and keeps a login storm from taking every core by running at most a
// fixed number of computations at once (SYNAPSE.md §2.5, DESIGN.md "Performance budgets").
//
// It knows nothing of users or storage: the login handler fetches the stored hash, calls
// Hasher.Verify (or Hasher.DummyVerify for an unknown user, so that timing does not reveal
// which usernames exist) and stores Hasher.Hash's result when Verify reports needsRehash.
//
// It also owns the password policy (policy.go), which a new password must meet at sign-up and
// at a password change, never at sign-in: Policy.Check follows NIST SP 800-63B §5.1.1.2 with a
// minimum length in characters (account.password_min_length), at most MaxPasswordBytes (what
// Hash accepts), no composition rules, a refusal of the username itself, and, with
// account.reject_common_passwords, of the 10,000 most common passwords, compared without
// regard to case. That list is bundled in the binary
// (common-passwords.txt.gz, from zxcvbn's frequency list; its origin and licence are in
// common-passwords.NOTICE) and decompressed on first use only, so a server that does not
// check it never holds it in memory. Check returns a *Rejection whose Reason the pages turn
// into a message.
package password
