package personaldata_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster/infra/personaldata"
)

// sequentialKey is the master key 0x00, 0x01, …, 0x1f, in base64.
const sequentialKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func TestMasterKeysParseInEveryBase64Variant(t *testing.T) {
	t.Parallel()
	const highBytes = "4OHi4-Tl5ufo6err7O3u7_Dx8vP09fb3-Pn6-_z9_v8=" // 0xe0…0xff, URL alphabet
	for _, in := range []string{
		sequentialKey,
		strings.TrimRight(sequentialKey, "="),
		"  " + sequentialKey + "\n",
		highBytes,
		strings.TrimRight(highBytes, "="),
		strings.NewReplacer("-", "+", "_", "/").Replace(highBytes),
	} {
		if _, err := personaldata.ParseMasterKey(in); err != nil {
			t.Errorf("ParseMasterKey(%q): %v", in, err)
		}
	}
}

func TestBadMasterKeysAreRefusedWithoutEchoingThem(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"empty":        "",
		"blank":        "   ",
		"not base64":   "this-is-not-base64-at-all!!secret",
		"16 bytes":     "AAECAwQFBgcICQoLDA0ODw==",
		"33 bytes":     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
		"hex, 64 char": strings.Repeat("ab", 32),
	} {
		_, err := personaldata.ParseMasterKey(in)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.TrimSpace(in) != "" && strings.Contains(err.Error(), strings.TrimSpace(in)) {
			t.Errorf("%s: the error echoes the key: %v", name, err)
		}
		if !strings.Contains(err.Error(), "ROSTER_MASTER_KEY") {
			t.Errorf("%s: the error does not say what is expected: %v", name, err)
		}
	}
}

func TestGeneratedMasterKeysParseAndDiffer(t *testing.T) {
	t.Parallel()
	a, err := personaldata.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := personaldata.GenerateMasterKey()
	if a == b {
		t.Fatal("two generated keys are equal")
	}
	if _, err := personaldata.ParseMasterKey(a); err != nil {
		t.Fatalf("a generated key does not parse: %v", err)
	}
}

func TestAMasterKeyNeverPrintsItsValue(t *testing.T) {
	t.Parallel()
	k, _ := personaldata.ParseMasterKey(sequentialKey)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, k); !strings.Contains(out, "redacted") {
			t.Errorf("%s prints %q", format, out)
		}
	}
}

// The blind index of a master key is keyed by its derived blind-index key
// (vector computed independently with Python's hmac).
func TestTheMasterKeysBlindIndexUsesTheDerivedKey(t *testing.T) {
	t.Parallel()
	k, _ := personaldata.ParseMasterKey(sequentialKey)
	const want = "b898f2474365d54e7c1fdfa6672eb7efb7c5c9f5f5eaceb1f184163cff41f0cc"
	if got := k.BlindIndex().EmailIndex("Alice@Example.com"); got != want {
		t.Fatalf("EmailIndex = %s, want %s", got, want)
	}
}

func TestTheZeroMasterKeyIsRefused(t *testing.T) {
	t.Parallel()
	var zero personaldata.MasterKey
	if !zero.IsZero() {
		t.Fatal("the zero key is not IsZero")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("BlindIndex of the zero key did not panic")
		}
	}()
	_ = zero.BlindIndex()
}
