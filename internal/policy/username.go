package policy

import (
	"fmt"
	"strings"
)

// MaxUserIDLength is the Matrix limit on a whole user ID, "@localpart:server" (CS API
// appendix "User Identifiers": "The length of a user ID, including the @ sigil and the domain,
// MUST NOT exceed 255 characters").
const MaxUserIDLength = 255

// ValidateUsername checks a new account's localpart against the Matrix grammar for user IDs
// (lower-case letters, digits and ._=-/+) and the rules MAS applies by default: not empty,
// not all digits (those look like guest accounts in Synapse), and a whole user ID of at most
// 255 characters on serverName.
func ValidateUsername(localpart, serverName string) error {
	switch {
	case localpart == "":
		return fmt.Errorf("the username is empty")
	case len("@"+localpart+":"+serverName) > MaxUserIDLength:
		return fmt.Errorf("the user ID @%s:%s is longer than %d characters", localpart, serverName, MaxUserIDLength)
	case strings.Trim(localpart, "0123456789") == "":
		return fmt.Errorf("the username must not be all digits")
	}
	for _, r := range localpart {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._=-/+", r)) {
			return fmt.Errorf("the username may contain only a-z, 0-9 and . _ = - / + (found %q)", r)
		}
	}
	return nil
}
