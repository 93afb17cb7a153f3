package personaldata_test

import (
	"testing"

	"github.com/rosterhq/roster/infra/personaldata"
)

// testKey is bytes 0, 1, …, 31.
func testKey() []byte {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	return key
}

func newIndex(t *testing.T, key []byte) *personaldata.BlindIndex {
	t.Helper()
	b, err := personaldata.NewBlindIndex(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A fixed vector keeps stored indexes valid across releases: changing the
// construction would orphan every index already stored.
func TestTheIndexIsHexHMACSHA256OfTheNormalisedAddress(t *testing.T) {
	t.Parallel()
	const want = "a59fc578d4cb46faab1d6eb348e7c74b33b85122d6459fdb7bf5654b333acab4" // HMAC-SHA256(0..31, "alice@example.com")
	b := newIndex(t, testKey())
	for _, in := range []string{"alice@example.com", " ALICE@Example.com "} {
		if got := b.EmailIndex(in); got != want {
			t.Errorf("EmailIndex(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestTheIndexOfAnInvalidAddressIsStillDeterministic(t *testing.T) {
	t.Parallel()
	b := newIndex(t, testKey())
	if b.EmailIndex(" Not An Address ") != b.EmailIndex("not an address") {
		t.Fatal("an invalid address is not indexed by its trimmed, lower-cased form")
	}
	if b.EmailIndex("not an address") == b.EmailIndex("not an address2") {
		t.Fatal("different strings share an index")
	}
}

func TestTheIndexIsUselessWithoutTheKey(t *testing.T) {
	t.Parallel()
	other := testKey()
	other[31] ^= 1
	if newIndex(t, testKey()).EmailIndex("alice@example.com") == newIndex(t, other).EmailIndex("alice@example.com") {
		t.Fatal("two keys give the same index")
	}
}

func TestTheKeyIsCopied(t *testing.T) {
	t.Parallel()
	key := testKey()
	b := newIndex(t, key)
	before := b.EmailIndex("alice@example.com")
	key[0] ^= 0xff
	if b.EmailIndex("alice@example.com") != before {
		t.Fatal("changing the caller's key slice changed the index")
	}
}

func TestKeysShorterThan32BytesAreRefused(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 31} {
		if _, err := personaldata.NewBlindIndex(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte key was accepted", n)
		}
	}
	if _, err := personaldata.NewBlindIndex(make([]byte, 64)); err != nil {
		t.Errorf("a 64-byte key was refused: %v", err)
	}
}

// The Unicode and ASCII (punycode) spellings of one internationalised
// domain, in any case or width, are one address; another domain, one that
// only looks alike, or a local part that differs is another. Plain ASCII
// addresses keep the index they always had (the fixed vector above).
func TestTheSpellingsOfOneInternationalisedDomainShareAnIndex(t *testing.T) {
	t.Parallel()
	b := newIndex(t, testKey())
	want := b.EmailIndex("ann@bücher.example")
	for _, same := range []string{"ann@xn--bcher-kva.example", "ANN@BÜCHER.EXAMPLE", "ann@ＢÜＣＨＥＲ.example", "ann@XN--BCHER-KVA.example"} {
		if b.EmailIndex(same) != want {
			t.Errorf("%q is not the same address as ann@bücher.example", same)
		}
	}
	for _, other := range []string{"ann@bucher.example", "bob@bücher.example", "ann@faß.example"} {
		if b.EmailIndex(other) == want {
			t.Errorf("%q shares ann@bücher.example's index", other)
		}
	}
	if b.EmailIndex("ann@faß.example") == b.EmailIndex("ann@fass.example") {
		t.Error("faß and fass are one domain: the mapping is transitional, not IDNA2008's")
	}
	if b.EmailIndex("ann@a_b.example") != b.EmailIndex("ANN@A_B.example") {
		t.Error("a domain that is no valid IDN is not indexed by its normal form")
	}
}
