package mime

// hashPrime is the modulus of Eudora's string hash.
const hashPrime = 2147483629

// EudoraHash is the string hash Eudora writes into Embedded Content and
// Related lines (docs/formats/eudora.md §2.8): the bytes of s are read as one big binary
// number, most significant bit first, reduced modulo 2147483629, plus one.
// Content-IDs are hashed without "<>" and without "cid:". The empty string
// hashes to 1; "part1.08010409.03060503@arlut.utexas.edu" to 0x277BFD3A.
func EudoraHash(s string) uint32 {
	var h uint64
	for i := 0; i < len(s); i++ {
		b := s[i]
		for bit := 7; bit >= 0; bit-- {
			h = (h * 2) % hashPrime
			if b&(1<<bit) != 0 {
				h = (h + 1) % hashPrime
			}
		}
	}
	return uint32(h + 1)
}
