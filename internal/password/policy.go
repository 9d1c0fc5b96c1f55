package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Policy is what a new password must be, at sign-up and at a password change. It follows
// NIST SP 800-63B §5.1.1.2: a minimum length, no composition rules, and a check against a
// list of values known to be commonly used, expected or compromised. Existing passwords are
// never re-checked: the policy applies when a password is chosen.
type Policy struct {
	// MinLength is the fewest characters (Unicode code points, as NIST counts them) a password
	// may have; below 1 counts as 1, so the empty password is always too short.
	MinLength int
	// RejectCommon refuses the passwords of the bundled list of common passwords
	// (common-passwords.txt.gz, see common-passwords.NOTICE), compared without regard to case.
	RejectCommon bool
}

// Reason says why Policy.Check refused a password.
type Reason uint8

// The reasons of a Rejection. Each has its own message on the pages.
const (
	// TooShort: fewer characters than MinLength (Rejection.MinLength says how many).
	TooShort Reason = iota + 1
	// TooLong: more than MaxPasswordBytes, which Hash would refuse.
	TooLong
	// SameAsUsername: the password is the username, which is the first guess of any attacker.
	SameAsUsername
	// Common: the password is in the list of common passwords.
	Common
)

// Rejection is the error of Policy.Check for a password the policy refuses.
type Rejection struct {
	Reason Reason
	// MinLength is the policy's minimum, for the message of TooShort.
	MinLength int
}

func (r *Rejection) Error() string {
	switch r.Reason {
	case TooShort:
		return fmt.Sprintf("password: shorter than %d characters", r.MinLength)
	case TooLong:
		return fmt.Sprintf("password: longer than %d bytes", MaxPasswordBytes)
	case SameAsUsername:
		return "password: the same as the username"
	case Common:
		return "password: in the list of common passwords"
	}
	return "password: refused by the policy"
}

// Check returns nil when pw may become username's new password, a *Rejection saying why
// not, or (only if the embedded list of common passwords is broken, which a test rules out)
// another error. The checks run from the cheapest up, so a short password never costs the
// lookup in the list.
func (p Policy) Check(pw, username string) error {
	minLength := max(p.MinLength, 1)
	switch {
	case len(pw) > MaxPasswordBytes:
		return &Rejection{Reason: TooLong, MinLength: minLength}
	case utf8.RuneCountInString(pw) < minLength:
		return &Rejection{Reason: TooShort, MinLength: minLength}
	case username != "" && strings.EqualFold(pw, username):
		return &Rejection{Reason: SameAsUsername, MinLength: minLength}
	}
	if p.RejectCommon {
		common, err := commonPasswords()
		if err != nil {
			return err
		}
		if _, ok := common[strings.ToLower(pw)]; ok {
			return &Rejection{Reason: Common, MinLength: minLength}
		}
	}
	return nil
}

// commonPasswordsGzip is the list of common passwords, one per line in lower case, most
// frequent first (see common-passwords.NOTICE for where it comes from).
//
//go:embed common-passwords.txt.gz
var commonPasswordsGzip []byte

// commonPasswords decompresses the list on first use, once: a server with
// reject_common_passwords off never spends the memory (about 0.5 MB as a map).
var commonPasswords = sync.OnceValues(func() (map[string]struct{}, error) {
	return parseCommonPasswords(commonPasswordsGzip)
})

// parseCommonPasswords reads a gzip-compressed list of one password per line.
func parseCommonPasswords(gz []byte) (map[string]struct{}, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("password: reading the common password list: %w", err)
	}
	defer zr.Close()
	set := make(map[string]struct{}, 10000)
	lines := bufio.NewScanner(zr)
	for lines.Scan() {
		if line := strings.TrimSpace(lines.Text()); line != "" {
			set[strings.ToLower(line)] = struct{}{}
		}
	}
	if err := lines.Err(); err != nil {
		return nil, fmt.Errorf("password: reading the common password list: %w", err)
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("password: the common password list is empty")
	}
	return set, nil
}
