package passwords_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/infra/passwords"
)

// bg is the context of calls that nothing cancels.
var bg = context.Background()

func newHasher(t testing.TB, p passwords.Params) *passwords.Hasher {
	t.Helper()
	h, err := passwords.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustHash(t testing.TB, h *passwords.Hasher, password string) string {
	t.Helper()
	hash, err := h.Hash(bg, password)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

func verifies(t *testing.T, h *passwords.Hasher, password, hash string) bool {
	t.Helper()
	ok, err := h.Verify(bg, password, hash)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return ok
}

func TestAHashVerifiesItsPasswordAndNoOther(t *testing.T) {
	t.Parallel()
	h := newHasher(t, passwords.TestParams())
	hash := mustHash(t, h, "correct horse battery staple")
	if !verifies(t, h, "correct horse battery staple", hash) {
		t.Fatal("the password does not verify against its own hash")
	}
	for _, wrong := range []string{"correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "} {
		if verifies(t, h, wrong, hash) {
			t.Fatalf("%q verifies against the hash of another password", wrong)
		}
	}
}

func TestHashesOfTheSamePasswordDifferBySalt(t *testing.T) {
	t.Parallel()
	h := newHasher(t, passwords.TestParams())
	a, b := mustHash(t, h, "hunter2hunter2"), mustHash(t, h, "hunter2hunter2")
	if a == b {
		t.Fatal("two hashes of one password are equal: no random salt")
	}
	if !verifies(t, h, "hunter2hunter2", a) || !verifies(t, h, "hunter2hunter2", b) {
		t.Fatal("a salted hash does not verify")
	}
}

func TestProductionHashesUseOWASPParameters(t *testing.T) {
	t.Parallel()
	h := newHasher(t, passwords.DefaultParams())
	hash := mustHash(t, h, "hunter2hunter2")
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not record argon2id with m=19456,t=2,p=1", hash)
	}
	if !verifies(t, h, "hunter2hunter2", hash) {
		t.Fatal("the password does not verify")
	}
}

// Raising the parameters must not lock out users whose hashes are older.
func TestHashesMadeWithOtherParametersStillVerify(t *testing.T) {
	t.Parallel()
	old := newHasher(t, passwords.Params{MemoryKiB: 16, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 16})
	hash := mustHash(t, old, "hunter2hunter2")
	current := newHasher(t, passwords.TestParams())
	if !verifies(t, current, "hunter2hunter2", hash) || verifies(t, current, "hunter3hunter3", hash) {
		t.Fatal("a hash made with other parameters is not verified by them")
	}
}

func TestAnEmptyPasswordIsRefusedAndMatchesNothing(t *testing.T) {
	t.Parallel()
	h := newHasher(t, passwords.TestParams())
	if _, err := h.Hash(bg, ""); !errors.Is(err, passwords.ErrEmptyPassword) {
		t.Fatalf("hash of empty password: %v, want ErrEmptyPassword", err)
	}
	if verifies(t, h, "", mustHash(t, h, "x")) {
		t.Fatal("the empty password verifies")
	}
	if h.VerifyDummy(bg, "") != nil || h.VerifyDummy(bg, "some password") != nil {
		t.Fatal("VerifyDummy failed without a budget")
	}
}

func TestMalformedHashesAreErrors(t *testing.T) {
	t.Parallel()
	h := newHasher(t, passwords.TestParams())
	valid := mustHash(t, h, "hunter2hunter2")
	parts := strings.Split(valid, "$") // "", "argon2id", "v=19", "m=8,t=1,p=1", salt, key
	with := func(i int, s string) string {
		p := append([]string(nil), parts...)
		p[i] = s
		return strings.Join(p, "$")
	}
	for name, hash := range map[string]string{
		"empty":            "",
		"not_a_hash":       "hunter2hunter2",
		"bcrypt":           "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":          with(1, "argon2i"),
		"other_version":    with(2, "v=16"),
		"zero_lanes":       with(3, "m=8,t=1,p=0"), // would make the argon2 package panic
		"zero_iterations":  with(3, "m=8,t=0,p=1"),
		"absurd_memory":    with(3, "m=4294967295,t=1,p=1"),
		"absurd_time":      with(3, "m=8,t=4294967295,p=1"),
		"lanes_overflow":   with(3, "m=8,t=1,p=256"),
		"bad_salt":         with(4, "!!!"),
		"short_key":        with(5, "AAAA"),
		"missing_key":      strings.Join(parts[:5], "$"),
		"trailing_section": valid + "$x",
	} {
		if ok, err := h.Verify(bg, "hunter2hunter2", hash); err == nil {
			t.Errorf("%s: %q verified (match %v) without error", name, hash, ok)
		}
	}
}

func TestUnusableParametersAreRefused(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]passwords.Params{
		"zero":            {},
		"zero_lanes":      {MemoryKiB: 64, Iterations: 1, Parallelism: 0, SaltLength: 16, KeyLength: 32},
		"zero_iterations": {MemoryKiB: 64, Iterations: 0, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		"too_little_ram":  {MemoryKiB: 15, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32},
		"short_salt":      {MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLength: 8, KeyLength: 32},
		"short_key":       {MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 8},
	} {
		if _, err := passwords.New(p); err == nil {
			t.Errorf("%s: New(%+v) accepted", name, p)
		}
	}
}

// The two benchmarks should report the same time per operation: that is what
// keeps logins with unknown e-mails indistinguishable from known ones.
func BenchmarkVerify(b *testing.B) {
	h := newHasher(b, passwords.DefaultParams())
	hash := mustHash(b, h, "hunter2hunter2")
	for b.Loop() {
		_, _ = h.Verify(bg, "wrong password", hash)
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := newHasher(b, passwords.DefaultParams())
	for b.Loop() {
		_ = h.VerifyDummy(bg, "wrong password")
	}
}
