package password

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/blake2b"
)

// golang.org/x/crypto/argon2 has no way to pass the Argon2 secret K (RFC 9106 §3.1), which is
// where MAS puts a pepper. So argon2idKey uses x/crypto (tuned, assembly on amd64) when there
// is no secret, and the straightforward RFC 9106 implementation below when there is one. The
// two agree on every input without a secret (argon2kdf_test.go checks it), and the RFC 9106
// §5.3 test vector checks the secret and associated data.
func argon2idKey(password, salt, secret []byte, p Argon2Params) []byte {
	if len(secret) == 0 {
		return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLength)
	}
	return deriveArgon2id(password, salt, secret, nil, p.Time, p.Memory, uint32(p.Threads), p.KeyLength)
}

// RFC 9106 constants.
const (
	argon2Version   = 0x13 // §3.1: v, the version this implementation follows
	argon2TypeID    = 2    // §3.1: y, 2 for Argon2id
	blockBytes      = 1024 // §3.2: memory is made of 1 KiB blocks
	blockWords      = blockBytes / 8
	syncPoints      = 4   // §3.4: slices per pass
	addressesPerRun = 128 // §3.4.1.2: one address block yields 128 64-bit pseudo-random values
)

type block [blockWords]uint64

// deriveArgon2id is Argon2id as RFC 9106 §3 defines it, with secret K and associated data X.
// Lanes are filled one after the other inside each slice, which gives the same result as
// filling them in parallel (§3.4: within a slice, a lane only reads other lanes' finished
// slices); mxauth's hashes use one lane anyway. The caller guarantees the RFC 9106 §3.1
// bounds (memory >= 8*lanes, passes >= 1, 1 <= lanes, keyLen >= 4).
func deriveArgon2id(password, salt, secret, data []byte, passes, memory, lanes, keyLen uint32) []byte {
	h0 := initialHash(password, salt, secret, data, passes, memory, lanes, keyLen)

	// §3.2 step 3: m' = 4 * p * floor(m / 4p) blocks, q = m' / p columns per lane.
	blocks := syncPoints * lanes * (memory / (syncPoints * lanes))
	laneLen := blocks / lanes
	segLen := laneLen / syncPoints
	mem := make([]block, blocks)

	// §3.2 steps 4 and 5: the first two blocks of every lane come from H0.
	var seed [blockBytes]byte
	for lane := range lanes {
		for col := range uint32(2) {
			hashPrime(seed[:], h0[:], le32(col), le32(lane))
			for i := range mem[lane*laneLen+col] {
				mem[lane*laneLen+col][i] = binary.LittleEndian.Uint64(seed[i*8:])
			}
		}
	}

	f := filler{mem: mem, blocks: blocks, lanes: lanes, laneLen: laneLen, segLen: segLen, passes: passes}
	for pass := range passes {
		for slice := range uint32(syncPoints) {
			for lane := range lanes {
				f.fillSegment(pass, slice, lane)
			}
		}
	}

	// §3.2 steps 7 and 8: XOR the last column and hash it to the tag.
	final := mem[laneLen-1]
	for lane := uint32(1); lane < lanes; lane++ {
		last := &mem[lane*laneLen+laneLen-1]
		for i := range final {
			final[i] ^= last[i]
		}
	}
	var finalBytes [blockBytes]byte
	for i, w := range final {
		binary.LittleEndian.PutUint64(finalBytes[i*8:], w)
	}
	tag := make([]byte, keyLen)
	hashPrime(tag, finalBytes[:])
	return tag
}

// initialHash is H0 (RFC 9106 §3.2 step 1).
func initialHash(password, salt, secret, data []byte, passes, memory, lanes, keyLen uint32) [blake2b.Size]byte {
	h, _ := blake2b.New512(nil) // cannot fail without a key
	for _, v := range []uint32{lanes, keyLen, memory, passes, argon2Version, argon2TypeID} {
		h.Write(le32(v))
	}
	for _, field := range [][]byte{password, salt, secret, data} {
		h.Write(le32(uint32(len(field))))
		h.Write(field)
	}
	var h0 [blake2b.Size]byte
	h.Sum(h0[:0])
	return h0
}

// hashPrime is the variable-length hash function H' (RFC 9106 §3.3), writing len(out)
// bytes of H'^len(out)(inputs...) into out.
func hashPrime(out []byte, inputs ...[]byte) {
	size := len(out)
	if size <= blake2b.Size {
		h, _ := blake2b.New(size, nil) // size is in 1..64, so this cannot fail
		h.Write(le32(uint32(size)))
		for _, in := range inputs {
			h.Write(in)
		}
		h.Sum(out[:0])
		return
	}
	// r = ceil(T/32) - 2; V1 = H^64(LE32(T) || A), Vi = H^64(V(i-1)); the output is the first
	// 32 bytes of V1..Vr followed by V(r+1) = H^(T-32r)(Vr).
	r := (size+31)/32 - 2
	h, _ := blake2b.New512(nil)
	h.Write(le32(uint32(size)))
	for _, in := range inputs {
		h.Write(in)
	}
	v := h.Sum(nil)
	copy(out, v[:32])
	for i := 1; i < r; i++ {
		next := blake2b.Sum512(v)
		v = next[:]
		copy(out[i*32:], v[:32])
	}
	last, _ := blake2b.New(size-32*r, nil) // 33..64 bytes
	last.Write(v)
	last.Sum(out[32*r : 32*r])
}

// filler fills memory segment by segment (RFC 9106 §3.2 step 6, §3.4).
type filler struct {
	mem                                    []block
	blocks, lanes, laneLen, segLen, passes uint32
}

func (f *filler) fillSegment(pass, slice, lane uint32) {
	// Argon2id: data-independent addressing in the first half of the first pass (§3.4.1.3).
	independent := pass == 0 && slice < syncPoints/2
	var input, addresses, zero block
	if independent {
		// §3.4.1.2: Z = LE64(r) || LE64(l) || LE64(sl) || LE64(m') || LE64(t) || LE64(y),
		// followed by a counter in input[6].
		input[0], input[1], input[2] = uint64(pass), uint64(lane), uint64(slice)
		input[3], input[4], input[5] = uint64(f.blocks), uint64(f.passes), argon2TypeID
	}
	start := uint32(0)
	if pass == 0 && slice == 0 {
		start = 2 // the first two blocks of each lane are already there
	}
	for idx := start; idx < f.segLen; idx++ {
		if independent && (idx%addressesPerRun == 0 || idx == start) {
			input[6]++
			compress(&addresses, &zero, &input, false)
			compress(&addresses, &zero, &addresses, false)
		}
		column := slice*f.segLen + idx
		cur := lane*f.laneLen + column
		prev := cur - 1
		if column == 0 {
			prev = lane*f.laneLen + f.laneLen - 1
		}
		var pseudo uint64
		if independent {
			pseudo = addresses[idx%addressesPerRun]
		} else {
			pseudo = f.mem[prev][0]
		}
		ref := f.referenceBlock(pseudo, pass, slice, lane, idx)
		// §3.2 step 6: later passes XOR into the block (version 0x13).
		compress(&f.mem[cur], &f.mem[prev], &f.mem[ref], pass > 0)
	}
}

// referenceBlock maps J1 || J2 to the index of the block to mix in (RFC 9106 §3.4.1.1,
// §3.4.2).
func (f *filler) referenceBlock(pseudo uint64, pass, slice, lane, idx uint32) uint32 {
	j1, j2 := uint32(pseudo), uint32(pseudo>>32)
	refLane := j2 % f.lanes
	if pass == 0 && slice == 0 {
		refLane = lane // the first slice of the first pass only reads its own lane
	}
	sameLane := refLane == lane
	// The reference set W: the blocks that are finished and may be read, minus the previous
	// block when it would be among them.
	var area uint32
	switch {
	case pass == 0 && sameLane:
		area = slice*f.segLen + idx - 1
	case pass == 0:
		area = slice * f.segLen
		if idx == 0 {
			area--
		}
	case sameLane:
		area = f.laneLen - f.segLen + idx - 1
	default:
		area = f.laneLen - f.segLen
		if idx == 0 {
			area--
		}
	}
	// §3.4.2: x = J1^2 / 2^32, y = (|W| * x) / 2^32, zz = |W| - 1 - y.
	x := (uint64(j1) * uint64(j1)) >> 32
	y := (uint64(area) * x) >> 32
	zz := uint64(area) - 1 - y
	startPos := uint64(0)
	if pass != 0 && slice != syncPoints-1 {
		startPos = uint64((slice + 1) * f.segLen)
	}
	return refLane*f.laneLen + uint32((startPos+zz)%uint64(f.laneLen))
}

// compress sets dst to the compression function G(x, y) (RFC 9106 §3.5), or XORs G(x, y)
// into dst when xor is set: R = X xor Y, P applied to the rows and then the columns of R
// (viewed as 8x8 16-byte registers) gives Z, and G = Z xor R. dst is written last, so it may
// alias x or y.
func compress(dst, x, y *block, xor bool) {
	var r, q block
	for i := range r {
		r[i] = x[i] ^ y[i]
	}
	q = r
	for row := range 8 {
		permute((*[16]uint64)(q[row*16 : row*16+16])) // a row is 16 consecutive words
	}
	var v [16]uint64
	for col := range 8 {
		for k := range 8 { // register col+8k holds words 2col+16k and 2col+16k+1
			v[2*k], v[2*k+1] = q[2*col+16*k], q[2*col+16*k+1]
		}
		permute(&v)
		for k := range 8 {
			q[2*col+16*k], q[2*col+16*k+1] = v[2*k], v[2*k+1]
		}
	}
	if xor {
		for i := range dst {
			dst[i] ^= q[i] ^ r[i]
		}
		return
	}
	for i := range dst {
		dst[i] = q[i] ^ r[i]
	}
}

// permute is P (RFC 9106 §3.6): one BLAKE2b round over 16 words with GB's multiplications,
// first on the columns of the 4x4 word matrix, then on its diagonals.
func permute(v *[16]uint64) {
	v0, v1, v2, v3, v4, v5, v6, v7 := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	v8, v9, v10, v11, v12, v13, v14, v15 := v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]
	v0, v4, v8, v12 = gbHalf(v0, v4, v8, v12, 32, 24)
	v0, v4, v8, v12 = gbHalf(v0, v4, v8, v12, 16, 63)
	v1, v5, v9, v13 = gbHalf(v1, v5, v9, v13, 32, 24)
	v1, v5, v9, v13 = gbHalf(v1, v5, v9, v13, 16, 63)
	v2, v6, v10, v14 = gbHalf(v2, v6, v10, v14, 32, 24)
	v2, v6, v10, v14 = gbHalf(v2, v6, v10, v14, 16, 63)
	v3, v7, v11, v15 = gbHalf(v3, v7, v11, v15, 32, 24)
	v3, v7, v11, v15 = gbHalf(v3, v7, v11, v15, 16, 63)
	v0, v5, v10, v15 = gbHalf(v0, v5, v10, v15, 32, 24)
	v0, v5, v10, v15 = gbHalf(v0, v5, v10, v15, 16, 63)
	v1, v6, v11, v12 = gbHalf(v1, v6, v11, v12, 32, 24)
	v1, v6, v11, v12 = gbHalf(v1, v6, v11, v12, 16, 63)
	v2, v7, v8, v13 = gbHalf(v2, v7, v8, v13, 32, 24)
	v2, v7, v8, v13 = gbHalf(v2, v7, v8, v13, 16, 63)
	v3, v4, v9, v14 = gbHalf(v3, v4, v9, v14, 32, 24)
	v3, v4, v9, v14 = gbHalf(v3, v4, v9, v14, 16, 63)
	v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = v0, v1, v2, v3, v4, v5, v6, v7
	v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15] = v8, v9, v10, v11, v12, v13, v14, v15
}

// gbHalf is one half of GB (RFC 9106 §3.6), BLAKE2b's G with a + b replaced by
// a + b + 2 * trunc(a) * trunc(b), trunc taking the low 32 bits: GB is gbHalf with rotations
// 32 and 24, then gbHalf with 16 and 63. Halves, because the compiler inlines them.
func gbHalf(a, b, c, d uint64, rotD, rotB int) (uint64, uint64, uint64, uint64) {
	a += b + 2*uint64(uint32(a))*uint64(uint32(b))
	d = bits.RotateLeft64(d^a, -rotD)
	c += d + 2*uint64(uint32(c))*uint64(uint32(d))
	b = bits.RotateLeft64(b^c, -rotB)
	return a, b, c, d
}

func le32(v uint32) []byte {
	return binary.LittleEndian.AppendUint32(nil, v)
}
