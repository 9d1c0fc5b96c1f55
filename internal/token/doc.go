// Package token owns mxauth's opaque tokens: their format, how they are generated, how a
// presented string is recognised cheaply, and how they are stored (hashed) and compared
// (in constant time).
//
// # Format
//
// Every token is 41 ASCII characters, for example
//
//	mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg2
//
// made of {prefix}_{random}_{checksum}:
//
//   - prefix: three letters naming the Kind (mat, mar, mct, mcr, mpt, mcs, mac, mdc).
//   - random: 30 characters drawn uniformly from [A-Za-z0-9], about 178 bits of entropy.
//   - checksum: CRC-32/ISO-HDLC (hash/crc32 IEEE) of "{prefix}_{random}", written in base 62
//     (alphabet 0-9A-Za-z) least-significant digit first, then left-padded with '0' to six
//     characters.
//
// This is exactly the format of matrix-authentication-service (MAS,
// crates/data-model/src/tokens.rs; SYNAPSE.md §2.1) for the five kinds MAS has, so tokens
// issued by MAS pass Parse here and can be imported unchanged during a migration. The padding
// goes on the wrong end of a least-significant-first number, which makes the encoding not
// one-to-one (1 and 62 both encode as "000001"); it is copied anyway, because compatibility is
// the point and the checksum only has to reject garbage, not resist forgery.
//
// # Why a prefix and a checksum
//
// The prefix tells a reader (and secret scanners, which key on such prefixes) what a leaked
// string is. The checksum lets the introspection hot path reject mistyped, truncated or random
// input with Parse, without allocating and without a database lookup. Neither adds security:
// a token's strength is its random part alone.
//
// Parse distinguishes strings that are not mxauth tokens at all (ErrNotOurs, e.g. Synapse's
// syt_ tokens, which a migration may import and look up by other means) from strings that carry
// one of our prefixes but are corrupt (ErrMalformed).
//
// # Storage
//
// The database stores only Hash(token), the SHA-256 of the whole token string. Tokens have far
// more entropy than a brute-force search can cover, so no salt or slow KDF is needed (unlike
// passwords, see internal/password), and a lookup can go straight to an index on the hash.
// Sum returns the same value as a Digest array, usable as a map key (e.g. an in-memory
// introspection cache). Secrets that are compared rather than looked up (client secrets) are
// checked with Verify or Equal, which run in constant time so that response timing does not
// reveal how much of a guess was right (DESIGN.md, safety rules: "constant-time secret
// comparison; tokens hashed at rest").
package token
