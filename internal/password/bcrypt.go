package password

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt hashes are only ever verified, never made: they come from Synapse (and MAS) imports
// and are upgraded to argon2id at the next successful login (SYNAPSE.md §2.5).

const (
	bcryptHashLength = 60 // "$2b$" + 2-digit cost + "$" + 22 salt + 31 hash characters
	minBcryptCost    = 4
	// maxBcryptCost bounds the work a stored hash can ask for: cost 16 already takes seconds,
	// and Synapse's default bcrypt_rounds is 12.
	maxBcryptCost = 16
)

// isBcryptHash reports whether s carries one of the modular-crypt prefixes of bcrypt that
// mxauth verifies: $2a$, $2b$ (what Python's bcrypt, and so Synapse, emits) and $2y$.
func isBcryptHash(s string) bool {
	return len(s) >= 4 && s[0] == '$' && s[1] == '2' && s[3] == '$' &&
		(s[2] == 'a' || s[2] == 'b' || s[2] == 'y')
}

// checkBcryptHash validates the shape and cost of a bcrypt hash before it reaches
// x/crypto/bcrypt, so that a malformed or absurdly expensive stored hash is an error rather
// than a surprise.
func checkBcryptHash(s string) error {
	if len(s) != bcryptHashLength || !isBcryptHash(s) || s[6] != '$' {
		return fmt.Errorf("bcrypt hash is not $2x$NN$ followed by 53 characters")
	}
	if s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' {
		return fmt.Errorf("bcrypt cost is not two digits")
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < minBcryptCost || cost > maxBcryptCost {
		return fmt.Errorf("bcrypt cost %d is outside %d..%d", cost, minBcryptCost, maxBcryptCost)
	}
	for i := 7; i < len(s); i++ {
		if !isBcryptBase64(s[i]) {
			return fmt.Errorf("bcrypt salt or hash has a character outside its alphabet")
		}
	}
	return nil
}

// verifyBcrypt compares password (already normalised and peppered) with a checked bcrypt
// hash. x/crypto/bcrypt compares in constant time and, like the C implementation Synapse's
// Python bcrypt wraps, only reads the first 72 bytes of the password.
func verifyBcrypt(password []byte, hash string) (bool, error) {
	err := bcrypt.CompareHashAndPassword([]byte(hash), password)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("%w: bcrypt: %v", ErrMalformedHash, err)
	}
}

// isBcryptBase64 reports whether c is in bcrypt's base64 alphabet ./A-Za-z0-9.
func isBcryptBase64(c byte) bool {
	return c == '.' || c == '/' || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
}
