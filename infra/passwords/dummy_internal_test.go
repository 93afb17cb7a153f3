package passwords

import (
	"context"
	"testing"

	"github.com/alexedwards/argon2id"
)

// bg is the context of calls that nothing cancels.
var bg = context.Background()

// VerifyDummy costs what Verify costs only if the dummy hash has the very
// parameters real hashes are made with.
func TestTheDummyHashHasTheParametersOfRealHashes(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{TestParams(), {MemoryKiB: 32, Iterations: 3, Parallelism: 2, SaltLength: 24, KeyLength: 48}} {
		h, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		got, _, _, err := argon2id.DecodeHash(h.dummy)
		if err != nil {
			t.Fatal(err)
		}
		if *got != h.params {
			t.Fatalf("dummy hash params %+v, hasher params %+v", *got, h.params)
		}
		if ok, err := h.Verify(bg, "", h.dummy); ok || err != nil {
			t.Fatalf("the dummy hash is not a valid hash that nothing easy matches (%v, %v)", ok, err)
		}
	}
}
