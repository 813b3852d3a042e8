package password

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"
)

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, plain := range []string{
		"purple tugboat 47 nectarine",
		multiByte128(),
		"",
	} {
		encoded, err := Hash(plain)
		require.NoError(t, err)
		ok, rehash, err := Verify(plain, encoded)
		require.NoError(t, err)
		assert.True(t, ok, "plain %q", plain)
		assert.False(t, rehash)
	}
}

func TestVerifyWrongPassword(t *testing.T) {
	t.Parallel()
	encoded, err := Hash("purple tugboat 47 nectarine")
	require.NoError(t, err)
	for _, wrong := range []string{"purple tugboat 47 nectarinE", "purple tugboat 47 nectarine ", ""} {
		ok, rehash, err := Verify(wrong, encoded)
		require.NoError(t, err)
		assert.False(t, ok, "wrong %q", wrong)
		assert.False(t, rehash)
	}
}

func TestHashIsSalted(t *testing.T) {
	t.Parallel()
	a, err := Hash("purple tugboat 47 nectarine")
	require.NoError(t, err)
	b, err := Hash("purple tugboat 47 nectarine")
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	saltA := strings.Split(a, "$")[4]
	saltB := strings.Split(b, "$")[4]
	assert.NotEqual(t, saltA, saltB)
}

func TestHashFormat(t *testing.T) {
	t.Parallel()
	encoded, err := Hash("purple tugboat 47 nectarine")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$"), encoded)
	parts := strings.Split(encoded, "$")
	require.Len(t, parts, 6)
	assert.NotContains(t, encoded, "=$", "no base64 padding")
	assert.False(t, strings.HasSuffix(encoded, "="), "no base64 padding")
	salt, err := b64.DecodeString(parts[4])
	require.NoError(t, err)
	assert.Len(t, salt, 16)
	key, err := b64.DecodeString(parts[5])
	require.NoError(t, err)
	assert.Len(t, key, 32)
	// The key is what argon2id gives for these parameters.
	assert.Equal(t, argon2.IDKey([]byte("purple tugboat 47 nectarine"), salt, 2, 19456, 1, 32), key)
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	good, err := Hash("purple tugboat 47 nectarine")
	require.NoError(t, err)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(alg, ver, params, salt, key string) string {
		return strings.Join([]string{"", alg, ver, params, salt, key}, "$")
	}
	const ps = "m=19456,t=2,p=1"
	for name, encoded := range map[string]string{
		"empty":            "",
		"garbage":          "not a hash",
		"dollars":          "$$$$$",
		"too few parts":    "$argon2id$v=19$" + ps + "$" + salt,
		"too many parts":   good + "$x",
		"no leading $":     strings.TrimPrefix(good, "$"),
		"argon2i":          with("argon2i", "v=19", ps, salt, key),
		"bcrypt":           "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"old version":      with("argon2id", "v=16", ps, salt, key),
		"no version":       "$argon2id$" + ps + "$" + salt + "$" + key,
		"params reordered": with("argon2id", "v=19", "t=2,m=19456,p=1", salt, key),
		"params missing":   with("argon2id", "v=19", "m=19456,t=2", salt, key),
		"params extra":     with("argon2id", "v=19", ps+",k=1", salt, key),
		"m not a number":   with("argon2id", "v=19", "m=lots,t=2,p=1", salt, key),
		"m negative":       with("argon2id", "v=19", "m=-1,t=2,p=1", salt, key),
		"m plus sign":      with("argon2id", "v=19", "m=+19456,t=2,p=1", salt, key),
		"m leading zero":   with("argon2id", "v=19", "m=019456,t=2,p=1", salt, key),
		"m empty":          with("argon2id", "v=19", "m=,t=2,p=1", salt, key),
		"m too small":      with("argon2id", "v=19", "m=7,t=2,p=1", salt, key),
		"m huge":           with("argon2id", "v=19", "m=4294967295,t=2,p=1", salt, key),
		"m overflows":      with("argon2id", "v=19", "m=99999999999999999999,t=2,p=1", salt, key),
		"t zero":           with("argon2id", "v=19", "m=19456,t=0,p=1", salt, key),
		"t huge":           with("argon2id", "v=19", "m=19456,t=100000,p=1", salt, key),
		"p zero":           with("argon2id", "v=19", "m=19456,t=2,p=0", salt, key),
		"p over 255":       with("argon2id", "v=19", "m=19456,t=2,p=256", salt, key),
		"salt not base64":  with("argon2id", "v=19", ps, "!!!!!!!!!!!!!!!!!!!!!!", key),
		"salt padded":      with("argon2id", "v=19", ps, salt+"==", key),
		"salt empty":       with("argon2id", "v=19", ps, "", key),
		"salt too short":   with("argon2id", "v=19", ps, b64.EncodeToString([]byte("short")), key),
		"hash not base64":  with("argon2id", "v=19", ps, salt, "####"),
		"hash empty":       with("argon2id", "v=19", ps, salt, ""),
		"hash too short":   with("argon2id", "v=19", ps, salt, b64.EncodeToString([]byte("0123456789"))),
		"hash too long":    with("argon2id", "v=19", ps, salt, b64.EncodeToString(make([]byte, 65))),
		"line break":       with("argon2id", "v=19", ps, salt, key[:10]+"\r\n"+key[10:]),
		"url base64":       with("argon2id", "v=19", ps, strings.NewReplacer("+", "-", "/", "_").Replace(salt)+"-_", key),
	} {
		require.NotPanics(t, func() {
			ok, rehash, err := Verify("purple tugboat 47 nectarine", encoded)
			assert.Error(t, err, name)
			assert.ErrorIs(t, err, ErrMalformedHash, name)
			assert.False(t, ok, name)
			assert.False(t, rehash, name)
		}, name)
	}
}

func TestVerifyWeakerParamsNeedsRehash(t *testing.T) {
	t.Parallel()
	const plain = "purple tugboat 47 nectarine"
	salt := []byte("0123456789abcdef")
	for _, tc := range []struct {
		name   string
		p      params
		salt   []byte
		keyLen uint32
		rehash bool
	}{
		{"current", current, salt, 32, false},
		{"less memory", params{memory: 8192, time: 2, threads: 1}, salt, 32, true},
		{"fewer passes", params{memory: 19456, time: 1, threads: 1}, salt, 32, true},
		{"both lower", params{memory: 4096, time: 1, threads: 1}, salt, 32, true},
		{"shorter salt", current, salt[:8], 32, true},
		{"shorter key", current, salt, 16, true},
		{"stronger", params{memory: 19456, time: 3, threads: 1}, salt, 32, false},
	} {
		encoded := encode(tc.p, tc.salt, argon2.IDKey([]byte(plain), tc.salt, tc.p.time, tc.p.memory, tc.p.threads, tc.keyLen))
		ok, rehash, err := Verify(plain, encoded)
		require.NoError(t, err, tc.name)
		assert.True(t, ok, tc.name)
		assert.Equal(t, tc.rehash, rehash, tc.name)

		// A wrong password never asks for a rehash.
		ok, rehash, err = Verify(plain+"x", encoded)
		require.NoError(t, err, tc.name)
		assert.False(t, ok, tc.name)
		assert.False(t, rehash, tc.name)
	}
}

// multiByte128 is a password of exactly MaxLength characters, most of them
// two bytes long in UTF-8, that no rule other than length refuses.
func multiByte128() string {
	r := []rune(strings.Repeat("ĉu vi ŝatas éclairs? ", 10))[:MaxLength]
	return string(r)
}

func TestCheckLength(t *testing.T) {
	t.Parallel()
	p128 := multiByte128()
	require.Equal(t, 128, utf8.RuneCountInString(p128))
	require.Greater(t, len(p128), 128, "more bytes than characters")

	assert.NoError(t, Check(p128))
	assertRefused(t, msgTooLong, Check(p128+"x"))
	assertRefused(t, msgTooLong, Check(strings.Repeat("é", 129)))
	assertRefused(t, msgTooLong, Check(strings.Repeat("purple tugboat 47 nectarine ", 100)))
	// 128 × "é" is 256 bytes but 128 characters: refused as repeated, not as long.
	assertRefused(t, msgRepeated, Check(strings.Repeat("é", 128)))

	assertRefused(t, msgTooShort, Check(""))
	assertRefused(t, msgTooShort, Check("tugboat 47 n"[:11]))
	assertRefused(t, msgTooShort, Check("ĉéü ŝ ĵĥ ĝ"), "11 characters, more bytes")
	assert.NoError(t, Check("tugboat 47 n"))
	assert.NoError(t, Check("ĉéü ŝ ĵĥ ĝ ŭ"), "12 characters")
	assert.NoError(t, Check("            x"), "spaces are allowed")
}

func TestCheckCommon(t *testing.T) {
	t.Parallel()
	for _, plain := range []string{
		"password1234",
		"Password1234",
		"PASSWORD1234!",
		"  password1234  ",
		"1234password!!",
		"qwertyuiop123",
		"qwertyuiop123!",
		"QwertyUIOP 2024",
		"trustno1!!!!!",
		"letmein2024!!",
		"iloveyou1234",
		"123456789012",             // "123456789" with digits after it
		"2024-12345678",            // "12345678" with digits before it
		"password\xff\xff\xff\xff", // invalid UTF-8 after a listed word
		// Entries of 12 characters or more straight from the list.
		"qazwsxedcrfv",
		"1qaz2wsx3edc",
		"Qwerty123456",
		"leavemealone",
		" finalfantasy ",
	} {
		assertRefused(t, msgCommon, Check(plain), plain)
	}

	// Every listed entry of 12 characters or more is refused as it is, and
	// every entry of 8 or more with digits after it.
	n := 0
	for _, e := range strings.Split(strings.TrimSpace(commonText), "\n") {
		if utf8.RuneCountInString(e) >= MinLength && !oneRepeated(e) {
			assertRefused(t, msgCommon, Check(e), e)
			n++
		}
		if l := utf8.RuneCountInString(e); l >= 8 && l < MinLength && !oneRepeated(e) {
			padded := e + strings.Repeat("7", MinLength-l)
			if Check(padded) == nil {
				t.Errorf("%q accepted", padded)
			}
		}
	}
	assert.Greater(t, n, 100)

	for _, plain := range []string{
		"purple tugboat 47 nectarine",
		"mailbox tugboat nectarine",
		"password is not my password", // a common word inside a longer phrase is fine
		"7305 1948 6627",              // digits only, none of it on the list
	} {
		assert.NoError(t, Check(plain), plain)
	}
}

func TestCheckContext(t *testing.T) {
	t.Parallel()
	ctx := []string{"Jane.Smith+books@Example.org", "Jane Smith"}
	for _, plain := range []string{
		"jane.smith+books@example.org",
		"JANE.SMITH+BOOKS@EXAMPLE.ORG!",
		"my email is jane.smith+books",
		"xxjanexx tugboat",
		"purple smithy nectarine",
		"I am Jane Smith, hello",
	} {
		assertRefused(t, msgPersonal, Check(plain, ctx...), plain)
	}
	// Short context terms, empty ones and the email domain alone are not looked for.
	assert.NoError(t, Check("purple tugboat 47 nectarine", "", "  ", "Al", "Jo Li"))
	assert.NoError(t, Check("example tugboat nectarine", "jo@example.org"))
	assert.NoError(t, Check("purple tugboat 47 nectarine", ctx...))
	assertRefused(t, msgPersonal, Check("jo li tugboat 47", "Jo Li"))
}

func TestCheckRepeated(t *testing.T) {
	t.Parallel()
	for _, plain := range []string{
		"aaaaaaaaaaaa",
		"AAAAAAAAAAAAAAAAAAAA",
		"aAaAaAaAaAaA",
		"            ",
		"111111111111",
		strings.Repeat("é", 40),
	} {
		assertRefused(t, msgRepeated, Check(plain), plain)
	}
	assert.NoError(t, Check("aaaaaaaaaaab tugboat"))
}

func TestPolicyErrorIsAnError(t *testing.T) {
	t.Parallel()
	err := Check("short")
	var pe *PolicyError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "Password must be 12 characters or more", pe.Message)
	assert.Equal(t, pe.Message, err.Error())
	assert.Equal(t, "Password must be 128 characters or fewer", Check(strings.Repeat("ab", 65)).(*PolicyError).Message)
	assert.Equal(t, "Choose a password that is harder to guess: this one is on a list of common passwords",
		Check("password1234").(*PolicyError).Message)
	assert.Equal(t, "Choose a password that does not include your name or email address",
		Check("hello jane tugboat", "jane@example.org").(*PolicyError).Message)
}

func TestCommonListFile(t *testing.T) {
	t.Parallel()
	require.Less(t, len(commonText), 1_500_000)
	require.True(t, strings.HasSuffix(commonText, "\n"))
	lines := strings.Split(strings.TrimSuffix(commonText, "\n"), "\n")
	assert.Len(t, lines, 42692)
	assert.True(t, slices.IsSorted(lines), "sorted")
	assert.Len(t, commonSet(), len(lines), "no duplicates")
	for _, l := range lines {
		if l != strings.ToLower(strings.TrimSpace(l)) || utf8.RuneCountInString(l) < 6 {
			t.Errorf("bad entry %q", l)
		}
	}
}

// TestVerifyDummyTiming is a coarse sanity check, not a benchmark: signing in
// with an unknown email (VerifyDummy) must take about as long as with a known
// one (Verify). It does not call t.Parallel, so that it runs before the
// parallel tests start and hashes on a machine that is otherwise idle.
func TestVerifyDummyTiming(t *testing.T) {
	encoded, err := Hash("purple tugboat 47 nectarine")
	require.NoError(t, err)
	VerifyDummy("warm up: the first call also makes the dummy hash")

	const runs = 7
	var real, dummy []time.Duration
	for range runs {
		start := time.Now()
		_, _, err := Verify("wrong password here", encoded)
		real = append(real, time.Since(start))
		require.NoError(t, err)

		start = time.Now()
		VerifyDummy("wrong password here")
		dummy = append(dummy, time.Since(start))
	}
	mr, md := median(real), median(dummy)
	t.Logf("median Verify %v, VerifyDummy %v", mr, md)
	assert.Less(t, md, 2*mr, "VerifyDummy much slower than Verify")
	assert.Less(t, mr, 2*md, "VerifyDummy much faster than Verify")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func assertRefused(t *testing.T, want string, err error, msgAndArgs ...any) {
	t.Helper()
	var pe *PolicyError
	if assert.True(t, errors.As(err, &pe), append([]any{"want a *PolicyError, got %v"}, err)...) {
		assert.Equal(t, want, pe.Message, msgAndArgs...)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$$")
	f.Add("")
	f.Fuzz(func(t *testing.T, encoded string) {
		p, salt, key, err := decode(encoded)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("error %v does not wrap ErrMalformedHash", err)
			}
			return
		}
		// What decodes has one spelling only.
		if got := encode(p, salt, key); got != encoded {
			t.Fatalf("decode(%q) encodes back as %q", encoded, got)
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add("password1234", "jane@example.org")
	f.Add("\xff\xfe 12345678 \xff", "")
	f.Fuzz(func(t *testing.T, plain, context string) {
		err := Check(plain, context)
		var pe *PolicyError
		if err != nil && (!errors.As(err, &pe) || pe.Message == "") {
			t.Fatalf("Check(%q, %q) = %v", plain, context, err)
		}
	})
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("purple tugboat 47 nectarine"); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleCheck() {
	for _, p := range []string{"short", "password1234", "purple tugboat 47 nectarine"} {
		fmt.Printf("%q: %v\n", p, Check(p))
	}
	// Output:
	// "short": Password must be 12 characters or more
	// "password1234": Choose a password that is harder to guess: this one is on a list of common passwords
	// "purple tugboat 47 nectarine": <nil>
}
