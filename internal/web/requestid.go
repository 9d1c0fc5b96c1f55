package web

import (
	"encoding/hex"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
)

// requestIDHeader carries the request id to the client, and from a trusted proxy to us.
const requestIDHeader = "X-Request-Id"

// requestIDBytes is the amount of randomness in a generated id: 128 bits, so that ids from
// many replicas over years never collide.
const requestIDBytes = 16

// maxForwardedIDLength bounds an id taken from a trusted proxy, so that log lines stay small.
const maxForwardedIDLength = 64

// idSource hands out request ids. It reads randomness in blocks, because one read per
// request would make the random source (a getrandom system call for crypto/rand) the most
// expensive step of the whole middleware stack.
type idSource struct {
	mu     sync.Mutex
	random io.Reader
	buf    [4096]byte
	next   int // first unused byte of buf; len(buf) when empty

	// fallback numbers requests if the random source fails, so that ids stay unique within
	// the process. crypto/rand does not fail; a broken test reader might.
	fallback atomic.Uint64
}

func newIDSource(random io.Reader) *idSource {
	s := &idSource{random: random}
	s.next = len(s.buf)
	return s
}

// newID returns a fresh id of 32 lowercase hex digits.
func (s *idSource) newID() string {
	var raw [requestIDBytes]byte
	if !s.fill(raw[:]) {
		return "x" + strconv.FormatUint(s.fallback.Add(1), 10)
	}
	var text [2 * requestIDBytes]byte
	hex.Encode(text[:], raw[:])
	return string(text[:])
}

func (s *idSource) fill(dst []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf)-s.next < len(dst) {
		if _, err := io.ReadFull(s.random, s.buf[:]); err != nil {
			return false
		}
		s.next = 0
	}
	copy(dst, s.buf[s.next:])
	// Never hand the same bytes out twice.
	clear(s.buf[s.next : s.next+len(dst)])
	s.next += len(dst)
	return true
}

// validForwardedID reports whether an id sent by a trusted proxy is safe to reuse: short,
// and made of characters that need no quoting in headers or logs (UUIDs, hex, base64url).
func validForwardedID(id string) bool {
	if id == "" || len(id) > maxForwardedIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
