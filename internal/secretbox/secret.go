package secretbox

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SecretSize is the length in bytes of the encryption secret: one AES-256 key's worth of
// entropy, the input keying material for every subkey.
const SecretSize = 32

// secretHexLen is the length of the secret written as hexadecimal, as in config files.
const secretHexLen = 2 * SecretSize

// ParseSecret decodes the encryption secret from its configuration form: exactly 64
// hexadecimal characters (either case). Surrounding whitespace, such as the newline at the
// end of a secret file, is ignored.
//
// Errors describe what is expected and never repeat any part of s: a secret that ends up in
// a log line is no longer secret.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) != secretHexLen {
		return nil, fmt.Errorf("encryption secret must be %d hexadecimal characters (%d bytes), got %d characters; generate one with a cryptographically secure random source",
			secretHexLen, SecretSize, len(s))
	}
	secret := make([]byte, SecretSize)
	// hex.Decode's own error quotes the offending character, so it is not passed on.
	if _, err := hex.Decode(secret, []byte(s)); err != nil {
		return nil, errors.New("encryption secret must be hexadecimal (only the characters 0-9 and a-f)")
	}
	return secret, nil
}

// GenerateSecret reads a new encryption secret from rnd and returns it in the form
// ParseSecret accepts. rnd should be crypto/rand.Reader outside tests.
func GenerateSecret(rnd io.Reader) (string, error) {
	if rnd == nil {
		return "", errors.New("secretbox: no random source")
	}
	secret := make([]byte, SecretSize)
	if _, err := io.ReadFull(rnd, secret); err != nil {
		return "", fmt.Errorf("secretbox: reading random bytes for a secret: %w", err)
	}
	return hex.EncodeToString(secret), nil
}
