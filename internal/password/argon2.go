package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Argon2Params are the Argon2id cost parameters (RFC 9106 §3.1).
type Argon2Params struct {
	// Memory is m, in KiB.
	Memory uint32
	// Time is t, the number of passes over memory.
	Time uint32
	// Threads is p, the number of lanes.
	Threads uint8
	// SaltLength is the length of the random salt of new hashes, in bytes.
	SaltLength uint32
	// KeyLength is the length of the derived tag, in bytes.
	KeyLength uint32
}

// DefaultArgon2Params is OWASP's Password Storage Cheat Sheet recommendation for Argon2id
// (m=19456 KiB, t=2, p=1), which is also what the argon2 crate, and so MAS, uses; a 16-byte
// salt (RFC 9106 §4 recommends 128 bits) and a 32-byte tag.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 19456, Time: 2, Threads: 1, SaltLength: 16, KeyLength: 32}
}

// Bounds on Argon2id parameters, both for the configuration and for stored hashes: a hash
// string is data, and one with m=4 GiB or t=10^6 must not take the server down when a user
// logs in.
const (
	maxArgon2Memory = 1 << 20 // KiB: 1 GiB
	maxArgon2Time   = 64
	minSaltLength   = 8 // RFC 9106 §3.1: S is at least 8 bytes
	maxSaltLength   = 64
	// A tag shorter than 16 bytes is refused: with a 4-byte tag (RFC 9106's minimum) one
	// random password in 2^32 would match.
	minKeyLength = 16
	maxKeyLength = 128
	// PHC's keyid is at most 8 bytes (PHC string format, Argon2 section).
	maxKeyIDBytes = 8
)

// withDefaults fills the zero fields of p from DefaultArgon2Params.
func (p Argon2Params) withDefaults() Argon2Params {
	d := DefaultArgon2Params()
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	if p.SaltLength == 0 {
		p.SaltLength = d.SaltLength
	}
	if p.KeyLength == 0 {
		p.KeyLength = d.KeyLength
	}
	return p
}

// validate checks p against RFC 9106 §3.1 (m >= 8p) and mxauth's bounds.
func (p Argon2Params) validate() error {
	switch {
	case p.Threads == 0:
		return fmt.Errorf("argon2id threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxArgon2Memory:
		return fmt.Errorf("argon2id memory %d KiB is outside %d..%d (8 KiB per thread at least)",
			p.Memory, 8*uint32(p.Threads), maxArgon2Memory)
	case p.Time < 1 || p.Time > maxArgon2Time:
		return fmt.Errorf("argon2id time %d is outside 1..%d", p.Time, maxArgon2Time)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("argon2id salt length %d is outside %d..%d", p.SaltLength, minSaltLength, maxSaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("argon2id key length %d is outside %d..%d", p.KeyLength, minKeyLength, maxKeyLength)
	}
	return nil
}

// weakerThan reports whether a hash made with p costs an attacker less than one made with
// current: less memory, fewer passes, a shorter salt or tag. Fewer lanes is not weaker (it
// is the same work done with less parallelism), so it alone never asks for a rehash.
func (p Argon2Params) weakerThan(current Argon2Params) bool {
	return p.Memory < current.Memory || p.Time < current.Time ||
		p.SaltLength < current.SaltLength || p.KeyLength < current.KeyLength
}

// argon2Hash is a parsed PHC string of an Argon2id hash:
//
//	$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>[,keyid=<B64>]$<B64 salt>$<B64 tag>
//
// B64 is standard base64 without padding (PHC string format). keyid, a PHC parameter for
// "the key identifier" of the Argon2 secret, names the pepper the hash was made with; a hash
// without it was made without a pepper.
type argon2Hash struct {
	params Argon2Params // SaltLength and KeyLength are those of salt and key
	keyID  string
	salt   []byte
	key    []byte
}

const argon2Prefix = "$argon2id$"

var phcBase64 = base64.RawStdEncoding.Strict()

// parseArgon2Hash parses s strictly: the only accepted spelling of a hash is the one
// String produces (fields in the reference order, decimal numbers without leading zeros,
// canonical base64), so one hash has one string. Errors describe the problem without
// quoting s, which holds the tag.
func parseArgon2Hash(s string) (argon2Hash, error) {
	rest, ok := strings.CutPrefix(s, argon2Prefix)
	if !ok {
		return argon2Hash{}, fmt.Errorf("not an argon2id hash")
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 4 {
		return argon2Hash{}, fmt.Errorf("argon2id hash has %d fields, want 4", len(fields))
	}
	if fields[0] != "v=19" {
		// v=19 is version 0x13 (RFC 9106 §3.1); older 0x10 hashes are not supported.
		return argon2Hash{}, fmt.Errorf("argon2id version field is not v=19")
	}
	var h argon2Hash
	if err := h.parseParams(fields[1]); err != nil {
		return argon2Hash{}, err
	}
	var err error
	if h.salt, err = decodeB64(fields[2], minSaltLength, maxSaltLength); err != nil {
		return argon2Hash{}, fmt.Errorf("argon2id salt: %w", err)
	}
	if h.key, err = decodeB64(fields[3], minKeyLength, maxKeyLength); err != nil {
		return argon2Hash{}, fmt.Errorf("argon2id tag: %w", err)
	}
	h.params.SaltLength, h.params.KeyLength = uint32(len(h.salt)), uint32(len(h.key))
	return h, nil
}

// parseParams reads "m=..,t=..,p=..[,keyid=..]".
func (h *argon2Hash) parseParams(s string) error {
	parts := strings.Split(s, ",")
	if len(parts) != 3 && len(parts) != 4 {
		return fmt.Errorf("argon2id parameters are not m,t,p[,keyid]")
	}
	m, err := decimalParam(parts[0], "m", maxArgon2Memory)
	if err != nil {
		return err
	}
	t, err := decimalParam(parts[1], "t", maxArgon2Time)
	if err != nil {
		return err
	}
	p, err := decimalParam(parts[2], "p", 255)
	if err != nil {
		return err
	}
	h.params = Argon2Params{Memory: m, Time: t, Threads: uint8(p)}
	if p == 0 || t == 0 || m < 8*p {
		return fmt.Errorf("argon2id parameters break RFC 9106 §3.1 (t >= 1, p >= 1, m >= 8p)")
	}
	if len(parts) == 4 {
		id, ok := strings.CutPrefix(parts[3], "keyid=")
		if !ok || !validKeyID(id) {
			return fmt.Errorf("argon2id has an unsupported or malformed fourth parameter")
		}
		h.keyID = id
	}
	return nil
}

// String formats h as its PHC string.
func (h argon2Hash) String() string {
	var b strings.Builder
	b.WriteString(argon2Prefix)
	b.WriteString("v=19$m=")
	b.WriteString(strconv.FormatUint(uint64(h.params.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(h.params.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(h.params.Threads), 10))
	if h.keyID != "" {
		b.WriteString(",keyid=")
		b.WriteString(h.keyID)
	}
	b.WriteByte('$')
	b.WriteString(phcBase64.EncodeToString(h.salt))
	b.WriteByte('$')
	b.WriteString(phcBase64.EncodeToString(h.key))
	return b.String()
}

// decimalParam parses "name=value" where value is a PHC decimal (digits, no sign, no
// leading zero) no greater than limit.
func decimalParam(s, name string, limit uint32) (uint32, error) {
	digits, ok := strings.CutPrefix(s, name+"=")
	if !ok || digits == "" || len(digits) > 10 || (len(digits) > 1 && digits[0] == '0') {
		return 0, fmt.Errorf("argon2id parameter %s is missing or malformed", name)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, fmt.Errorf("argon2id parameter %s is not a decimal", name)
		}
	}
	v, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || v > uint64(limit) {
		return 0, fmt.Errorf("argon2id parameter %s is above %d", name, limit)
	}
	return uint32(v), nil
}

// decodeB64 decodes PHC base64 and checks the decoded length.
func decodeB64(s string, minLen, maxLen int) ([]byte, error) {
	if len(s) > phcBase64.EncodedLen(maxLen) {
		return nil, fmt.Errorf("longer than %d bytes", maxLen)
	}
	b, err := decodePHCBase64(s)
	if err != nil {
		return nil, fmt.Errorf("not canonical unpadded base64")
	}
	if len(b) < minLen || len(b) > maxLen {
		return nil, fmt.Errorf("%d bytes, want %d..%d", len(b), minLen, maxLen)
	}
	return b, nil
}

// validKeyID reports whether id is a PHC keyid: canonical unpadded base64 of 1 to 8 bytes.
func validKeyID(id string) bool {
	if len(id) > phcBase64.EncodedLen(maxKeyIDBytes) {
		return false
	}
	b, err := decodePHCBase64(id)
	return err == nil && len(b) >= 1
}

// decodePHCBase64 decodes canonical unpadded standard base64. encoding/base64 skips '\r' and
// '\n' anywhere in its input; a hash string must not have two spellings, so every character
// is checked against the alphabet first.
func decodePHCBase64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, fmt.Errorf("character outside the base64 alphabet")
		}
	}
	return phcBase64.DecodeString(s)
}
