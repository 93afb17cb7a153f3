package personaldata

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// sequentialKey is the master key 0x00, 0x01, …, 0x1f, in base64.
const sequentialKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func mustParse(t testing.TB, s string) MasterKey {
	t.Helper()
	k, err := ParseMasterKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Fixed vectors (computed independently with Python's hmac): changing the
// derivation would orphan every wrapped key, blind index and check value.
func TestDerivedKeysAreHKDFSHA256OfTheMasterKeyByPurpose(t *testing.T) {
	t.Parallel()
	k := mustParse(t, sequentialKey)
	for _, c := range []struct {
		purpose string
		got     []byte
		want    string
	}{
		{purposeKeyWrapping, k.keys.wrapping, "4a03ae21cb3cc3283e59c7c342305cdb0944b07eb3b24c444c90c7e4d276414d"},
		{purposeBlindIndex, k.keys.blindIndex, "6b3c5117f607da28325e3a412bfb8f247700f9013e9c6eac57be18c8593c9804"},
		{purposeKeyCheck, k.keys.check, "ae51dc9a965fc8584442333b2c91b6b5afdef4eb2ea1ce3575b9fa99dcbeba74"},
	} {
		if hex.EncodeToString(c.got) != c.want {
			t.Errorf("%q key = %x, want %s", c.purpose, c.got, c.want)
		}
	}
	const wantCheck = "b1050b97a14adb08ab480ab59a8e37226acaeb50f82b4965f444eb9d4f1557e1"
	if got := hex.EncodeToString(k.checkValue()); got != wantCheck {
		t.Errorf("check value = %s, want %s", got, wantCheck)
	}
}

func TestEveryPurposeGetsADifferentKeyAndNoneIsTheMasterKey(t *testing.T) {
	t.Parallel()
	k := mustParse(t, sequentialKey)
	master := make([]byte, 32)
	for i := range master {
		master[i] = byte(i)
	}
	keys := [][]byte{k.keys.wrapping, k.keys.blindIndex, k.keys.check, master}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if bytes.Equal(keys[i], keys[j]) {
				t.Fatalf("keys %d and %d are equal", i, j)
			}
		}
	}
}

func TestDerivationIsStableAcrossParses(t *testing.T) {
	t.Parallel()
	a, b := mustParse(t, sequentialKey), mustParse(t, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	if !bytes.Equal(a.keys.wrapping, b.keys.wrapping) || !bytes.Equal(a.keys.check, b.keys.check) {
		t.Fatal("one master key derived two different key sets")
	}
}
