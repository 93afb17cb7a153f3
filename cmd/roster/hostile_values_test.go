package main

import (
	"fmt"
	"math/big"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// hostileValue is one value the generator (or the fuzzer) writes into a
// field. It knows nothing of Roster's rules: it is what an attacker with a
// valid token would try.
type hostileValue struct {
	label string
	// text is what the client means, byte for byte. A surrogate code point
	// written in its WTF-8 form (ED A0–BF xx, see surrogate) is sent as a
	// \uXXXX escape: the only way a lone surrogate reaches a JSON server.
	// Bytes that are not UTF-8 are sent as they are.
	text string
	// escaped sends every non-ASCII character of text as \u escapes
	// (characters beyond the BMP as surrogate pairs), not as UTF-8.
	escaped bool
	// probe, when not zero, asks the field for a value of exactly probe
	// characters, each probeRune where the field's shape allows it: the
	// lengths around which limits usually sit, in the field's own form.
	probe     int
	probeRune rune
	// number is a JSON number literal, for the fields that take a number.
	number string
}

// surrogate is the WTF-8 form of a UTF-16 surrogate code point (0xD800–
// 0xDFFF): not UTF-8, and sent by jsonString as a lone \uXXXX escape.
func surrogate(cp rune) string {
	return string([]byte{0xE0 | byte(cp>>12), 0x80 | byte(cp>>6)&0x3F, 0x80 | byte(cp)&0x3F})
}

// hostileTexts are the texts every text field is fed: characters of every
// Unicode plane, controls, surrogates, bidirectional and invisible marks,
// bytes that are not UTF-8, 10 kB strings, and lengths around the usual limits.
func hostileTexts() []hostileValue {
	texts := []hostileValue{
		{label: "empty", text: ""},
		{label: "NUL inside", text: "A\x00B"},
		{label: "C0 controls", text: "a\x01\x02\x07\x1b[31m\x1f"},
		{label: "tab, line feed and carriage return", text: "tab\there\nnew\rline"},
		{label: "CRLF", text: "one\r\ntwo"},
		{label: "DEL", text: "del\x7f"},
		{label: "C1 controls", text: "c1\u0080\u0085\u009b\u009f"},
		{label: "BMP letters of several scripts", text: "Zoë Ünïcødé 中文 مستخدم"},
		{label: "SMP emoji with zero-width joiners", text: "👩\u200d💻 🏳️\u200d🌈"},
		{label: "SIP ideographs", text: "\U00020000\U0002A6A5"},
		{label: "plane 14 tags and variation selectors", text: "flag\U000E0067\U000E0062\U000E007F\U000E0100"},
		{label: "planes 15 and 16 private use", text: "\U000F0000\U0010FFFD"},
		{label: "noncharacters", text: "\uFFFE\uFFFF\U0010FFFF"},
		{label: "lone high surrogate", text: surrogate(0xD800)},
		{label: "lone low surrogate between letters", text: "x" + surrogate(0xDFFF) + "y"},
		{label: "surrogates in reverse order", text: surrogate(0xDE00) + surrogate(0xD83D)},
		{label: "surrogate pair as escapes", text: "😀", escaped: true},
		{label: "BMP letters as escapes", text: "Zoë", escaped: true},
		{label: "right-to-left mark", text: "\u200Fabc"},
		{label: "left-to-right mark", text: "\u200Eabc"},
		{label: "right-to-left override", text: "\u202Etxt.exe\u202C"},
		{label: "directional isolates", text: "\u2066x\u2069\u2067y\u2069"},
		{label: "zero-width characters", text: "a\u200Db\u200Cc\u200Bd"},
		{label: "replacement character", text: "\uFFFD"},
		{label: "byte order mark", text: "\uFEFFname"},
		{label: "combining marks", text: "\u0301e\u0301\u0302\u0303"},
		{label: "stacked combining marks", text: "Z" + strings.Repeat("\u0336\u0337", 50)},
		{label: "invalid UTF-8 byte", text: "A\xffB"},
		{label: "truncated UTF-8", text: "A\xe2\x82"},
		{label: "overlong NUL", text: "\xc0\x80"},
		{label: "surrounding white space", text: "  padded  "},
		{label: "only white space", text: " \t "},
		{label: "Unicode spaces", text: "\u00A0\u2003name\u3000"},
		{label: "line and paragraph separators", text: "a\u2028b\u2029c"},
		{label: "quotes and backslashes", text: `"'\/`},
		{label: "spreadsheet formula", text: `=HYPERLINK("x";"y"),;`},
		{label: "slash, percent, query and fragment", text: "a/b%2Fc?d#e"},
		{label: "10 kB ASCII", text: strings.Repeat("x", 10240)},
		{label: "10 kB emoji", text: strings.Repeat("😀", 2560)},
	}
	for _, n := range []int{64, 128, 200, 254, 1000} {
		texts = append(texts, hostileValue{label: fmt.Sprintf("%d ASCII characters", n), probe: n, probeRune: 'a'},
			hostileValue{label: fmt.Sprintf("%d ASCII characters", n+1), probe: n + 1, probeRune: 'a'})
	}
	return append(texts, hostileValue{label: "200 two-byte characters", probe: 200, probeRune: 'é'},
		hostileValue{label: "201 two-byte characters", probe: 201, probeRune: 'é'})
}

// hostileNumbers are the numbers every number field is fed: the bounds of
// the usual integer types, and what is not an integer at all.
func hostileNumbers() []hostileValue {
	var numbers []hostileValue
	for _, n := range []string{"0", "-0", "-1", "5", "1e3", "1000000", "1000001", "2147483647", "2147483648",
		"9007199254740992", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1e308", "1.5"} {
		numbers = append(numbers, hostileValue{label: n, number: n})
	}
	return numbers
}

// jsonString writes text as a JSON string literal that means exactly text:
// '"', '\' and C0 controls escaped, a surrogate in WTF-8 form as a \uXXXX
// escape, any other byte that is not UTF-8 as it is (so that invalid UTF-8
// reaches the server), and, when escaped, every non-ASCII character as \u
// escapes.
func jsonString(text string, escaped bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(text); {
		if cp, ok := wtf8Surrogate(text[i:]); ok {
			fmt.Fprintf(&b, `\u%04x`, cp)
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(text[i])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || (escaped && r >= 0x80):
			for _, unit := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04x`, unit)
			}
		default:
			b.WriteString(text[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// wtf8Surrogate reads a surrogate code point in WTF-8 form at the start of s.
func wtf8Surrogate(s string) (rune, bool) {
	if len(s) < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || s[2]&0xC0 != 0x80 {
		return 0, false
	}
	return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), true
}

// sameNumber reports whether two JSON number literals denote the same number.
func sameNumber(a, b string) bool {
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	return okA && okB && x.Cmp(y) == 0
}
