package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/domain"
)

func TestNormalizingTrimsAndLowerCasesTheWholeAddress(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"alice@example.com":              "alice@example.com",
		"  Alice.Smith@Example.COM \t\n": "alice.smith@example.com",
		"BOB+roster@sub.example.org":     "bob+roster@sub.example.org",
		"x@localhost":                    "x@localhost",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 189):            strings.Repeat("a", 64) + "@" + strings.Repeat("b", 189),            // 254 bytes
		"\u023a" + strings.Repeat("a", 61) + "@" + strings.Repeat("b", 189): "\u2c65" + strings.Repeat("a", 61) + "@" + strings.Repeat("b", 189), // 254 bytes once lower-cased
	} {
		got, err := domain.NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizingRefusesAnythingButOneBareAddress(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"empty":          "  ",
		"no_at":          "alice.example.com",
		"two_ats":        "alice@home@example.com",
		"quoted_at":      `"alice@home"@example.com`,
		"no_local_part":  "@example.com",
		"no_domain":      "alice@",
		"display_name":   "Alice <alice@example.com>",
		"angle_brackets": "<alice@example.com>",
		"comment":        "alice@example.com (work)",
		"inner_space":    "alice smith@example.com",
		"two_addresses":  "alice@example.com, bob@example.com",
		"too_long":       strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190), // 255 bytes
		"nul":            "ali\x00ce@example.com",
		"c1_control":     "ali\u0085ce@example.com",
		"escape":         "ali\x1bce@example.com",
		"not_utf8":       "ali\xffce@example.com",                                             // lower-casing would have made it U+FFFD
		"too_long_lower": "\u023a" + strings.Repeat("a", 62) + "@" + strings.Repeat("b", 189), // 254 bytes, 255 once Ⱥ is lower-cased
	} {
		got, err := domain.NormalizeEmail(in)
		if !errors.Is(err, domain.ErrInvalidEmail) {
			t.Errorf("%s: NormalizeEmail(%q) = %q, %v; want ErrInvalidEmail", name, in, got, err)
			continue
		}
		if trimmed := strings.TrimSpace(in); trimmed != "" && strings.Contains(err.Error(), trimmed) {
			t.Errorf("%s: the error %q repeats the address (personal data in logs)", name, err)
		}
	}
}
