// Package password owns how passwords are checked against the policy and
// stored.
//
// Storage (OWASP ASVS v4 2.4.1, 2.4.4; OWASP Password Storage Cheat Sheet):
// passwords are hashed with Argon2id, m=19456 KiB (19 MiB), t=2, p=1, a
// 16-byte salt from crypto/rand and a 32-byte key, and stored as a PHC
// string:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in standard base64 without padding. Verify reads the
// parameters from the stored string, so they can be raised later; it reports
// needsRehash for hashes made with weaker parameters, so that the caller can
// store a fresh Hash while it has the plain password in hand.
//
// Policy (ASVS v4 2.1.1–2.1.9; NIST SP 800-63B 5.1.1.2): see Check.
//
// The list of common passwords in common-passwords.txt comes from the npm
// package @zxcvbn-ts/language-common, version 4.1.3 (licence MIT, copyright
// Dan Wheeler and Dropbox, Inc., and @zxcvbn-ts; the licence text is in
// COMMON_PASSWORDS_LICENSE beside this file). It is that package's
// "passwords-common" dictionary, src/passwords.json (49,233 entries, sha256
// f422773d94d630f27e08b26d7017e847bb1feb2a84809340e9c0b0c47b33e3f1),
// lower-cased, trimmed, deduplicated, keeping only entries of 6 characters or
// more, sorted by byte order, one a line: 42,692 entries, 351,304 bytes.
// To make it again:
//
//	d=$(mktemp -d)
//	npm install --prefix "$d" --no-save @zxcvbn-ts/language-common@4.1.3
//	cd "$d/node_modules/@zxcvbn-ts/language-common" && node -e '
//	  const p = require("./src/passwords.json");
//	  const s = [...new Set(p.map(x => x.trim().toLowerCase()))]
//	    .filter(x => [...x].length >= 6);
//	  s.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
//	  process.stdout.write(s.join("\n") + "\n");' > common-passwords.txt
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Current Argon2id parameters for new hashes. Raising any of them makes
// Verify report needsRehash for hashes made with the old ones.
const (
	argonMemory  uint32 = 19 * 1024 // KiB, i.e. 19 MiB
	argonTime    uint32 = 2
	argonThreads uint8  = 1
	argonSaltLen        = 16
	argonKeyLen         = 32
)

// Bounds on what Verify accepts from a stored string, so that a damaged or
// hostile value cannot make it panic or exhaust memory.
const (
	maxMemory  = 1024 * 1024 // KiB, i.e. 1 GiB
	maxTime    = 64
	maxThreads = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// ErrMalformedHash is returned (wrapped, with a detail) by Verify when the
// stored string is not an Argon2id PHC string it can check against.
var ErrMalformedHash = errors.New("password: malformed hash")

var b64 = base64.RawStdEncoding.Strict()

type params struct {
	memory  uint32
	time    uint32
	threads uint8
}

var current = params{memory: argonMemory, time: argonTime, threads: argonThreads}

// Hash returns the Argon2id PHC string for plain, with a new random salt.
// It does not apply the policy: call Check first when a person chooses a
// password.
func Hash(plain string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading random salt: %w", err)
	}
	return encode(current, salt, idKey(plain, salt, current, argonKeyLen)), nil
}

// slots bounds how many Argon2id computations run at once. Each holds 19 MiB
// and a core for tens of milliseconds, so a crowd signing in at once would
// otherwise take memory without limit (16 at once took the process past 200
// MB) and every core from the bookings. One less than the cores (at least
// one) leaves a core for everything else; the others queue here. Sign-in
// limits (account's) keep a single address or IP from filling the queue.
var slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// running and peak count the computations under way and the most at once,
// for the test that holds the bound.
var running, peak atomic.Int32

// idKey is argon2.IDKey, in one of the slots.
func idKey(plain string, salt []byte, p params, keyLen uint32) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	n := running.Add(1)
	defer running.Add(-1)
	for {
		seen := peak.Load()
		if n <= seen || peak.CompareAndSwap(seen, n) {
			break
		}
	}
	return argon2.IDKey([]byte(plain), salt, p.time, p.memory, p.threads, keyLen)
}

func encode(p params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether plain matches encoded, a PHC string made by Hash
// (possibly with other parameters). needsRehash is true when plain matches
// but encoded was made with weaker parameters than Hash uses now; the caller
// should then store Hash(plain). A malformed encoded returns an error that
// wraps ErrMalformedHash, and ok false.
func Verify(plain, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got := idKey(plain, salt, p, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	weaker := p.memory < current.memory || p.time < current.time || p.threads < current.threads ||
		len(salt) < argonSaltLen || len(want) < argonKeyLen
	return true, weaker, nil
}

func decode(encoded string) (p params, salt, key []byte, err error) {
	bad := func(detail string) (params, []byte, []byte, error) {
		return params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, detail)
	}
	if strings.ContainsAny(encoded, "\r\n") { // base64 decoding would skip them
		return bad("line break")
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=…$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("want parameters m, t and p")
	}
	m, err1 := param(kv[0], "m=", maxMemory)
	t, err2 := param(kv[1], "t=", maxTime)
	th, err3 := param(kv[2], "p=", maxThreads)
	if err := errors.Join(err1, err2, err3); err != nil {
		return bad(err.Error())
	}
	if t < 1 || th < 1 || m < 8*th {
		return bad("parameters out of range")
	}
	p = params{memory: uint32(m), time: uint32(t), threads: uint8(th)}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return bad("salt is not base64")
	}
	if len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return bad("salt length out of range")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return bad("hash is not base64")
	}
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return bad("hash length out of range")
	}
	return p, salt, key, nil
}

// param parses "name=<decimal>" with a value of at most limit.
func param(s, name string, limit uint64) (uint64, error) {
	v, found := strings.CutPrefix(s, name)
	if !found {
		return 0, fmt.Errorf("want %s…", name)
	}
	// ParseUint takes no sign but does take leading zeros: refuse those, so
	// that each value has one spelling.
	if len(v) > 1 && v[0] == '0' {
		return 0, fmt.Errorf("%s has a leading zero", name)
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n > limit {
		return 0, fmt.Errorf("%s is not a number up to %d", name, limit)
	}
	return n, nil
}

var (
	dummyOnce    sync.Once
	dummyEncoded string
)

// VerifyDummy does the same work as Verify does for a stored hash with the
// current parameters, and throws the result away. Call it when signing in
// with an email address that has no account (or no password), so that the
// answer takes about as long as for one that has: no account enumeration by
// timing (ASVS v4 2.2.x, OWASP Authentication Cheat Sheet). The dummy hash is
// made on the first call, which so takes about twice as long.
func VerifyDummy(plain string) {
	dummyOnce.Do(func() {
		// A fixed salt is fine here: nothing ever matches this hash for real,
		// and it spares an error path.
		salt := []byte("booktraining-dmy") // 16 bytes
		dummyEncoded = encode(current, salt, idKey("not a password anyone can sign in with", salt, current, argonKeyLen))
	})
	_, _, _ = Verify(plain, dummyEncoded)
}
