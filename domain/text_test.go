package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// textCase is one value fed to a text rule, and whether a rule of the given
// kind accepts it.
type textCase struct {
	name   string
	value  func(max int) string
	oneRow bool // accepted by a rule without Lines
	lines  bool // accepted by a rule with Lines
}

func fixed(s string) func(int) string { return func(int) string { return s } }

// textCases are the values every text rule is held to: control characters
// of every range, invalid UTF-8 (including a surrogate encoded as UTF-8),
// one character too many, and what must pass: exactly the maximum of
// astral-plane characters, right-to-left marks and other format characters.
var textCases = []textCase{
	{"nul", fixed("A\x00B"), false, false},
	{"c0_start_of_heading", fixed("A\x01B"), false, false},
	{"c0_escape", fixed("\x1b[31mred"), false, false},
	{"del", fixed("A\x7fB"), false, false},
	{"c1_next_line", fixed("A\u0085B"), false, false},
	{"c1_application_program_command", fixed("A\u009fB"), false, false},
	{"invalid_utf8_byte", fixed("A\xffB"), false, false},
	{"truncated_utf8_sequence", fixed("A\xe2\x82"), false, false},
	{"surrogate_encoded_as_utf8", fixed("A\xed\xa0\x80B"), false, false},
	{"one_character_too_many", func(max int) string { return strings.Repeat("é", max+1) }, false, false},
	{"tab", fixed("A\tB"), false, true},
	{"crlf_line_break", fixed("line one\r\nline two"), false, true},
	{"exactly_the_maximum_of_astral_characters", func(max int) string { return strings.Repeat("😀", max) }, true, true},
	{"right_to_left_marks_and_overrides", fixed("\u200fשלום\u202e evil\u202c"), true, true},
	{"format_characters_and_replacement_character", fixed("a\u200db\ufeffc\ufffd\u2028d"), true, true},
	{"planes_one_to_sixteen", fixed("\U00010348\U00020000\U000E0001\U000F0000\U0010FFFD"), true, true},
}

func TestTextAcceptsEveryCharacterButControlsAndInvalidUTF8UpToItsMaximum(t *testing.T) {
	t.Parallel()
	for _, rule := range []struct {
		name string
		text Text
	}{{"name", NameText}, {"work_kind", WorkKindText}, {"reason", ReasonText}} {
		for _, c := range textCases {
			t.Run(rule.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				value := c.value(rule.text.Max)
				want := c.oneRow || (rule.text.Lines && c.lines)
				err := rule.text.Check("f", value)
				if (err == nil) != want {
					t.Fatalf("Check(%.40q) = %v, want accepted %v", value, err, want)
				}
				if err != nil {
					checkRefusalOf(t, err, "f", value)
				}
			})
		}
	}
}

// checkRefusalOf fails unless err is invalid, names field, and has a short
// detail that quotes neither value (nor any long part of it) nor a control
// character.
func checkRefusalOf(t *testing.T, err error, field, value string) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok || e.Code != CodeInvalid || e.Field != field {
		t.Fatalf("refusal %#v, want an invalid *Error naming %q", err, field)
	}
	if len(e.Detail) > 300 || len(value) > 40 && strings.Contains(e.Detail, value[:40]) {
		t.Fatalf("the detail %q quotes the value", e.Detail)
	}
	if !utf8.ValidString(e.Detail) || strings.ContainsAny(e.Detail, "\x00\x1b\u0085") {
		t.Fatalf("the detail %q carries what it refuses", e.Detail)
	}
}

func TestQuoteShowsAShortEscapedPrefixOfAnyValue(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct{ in, want string }{
		"short_text":         {"boss", `"boss"`},
		"controls_escaped":   {"a\x00b\x1bc\u0085", `"a\x00b\x1bc\u0085"`},
		"invalid_utf8":       {"a\xffb", `"a\xffb"`},
		"cut_after_32":       {strings.Repeat("x", 100_000), `"` + strings.Repeat("x", 32) + `"…`},
		"cut_by_characters":  {strings.Repeat("😀", 40), `"` + strings.Repeat("😀", 32) + `"…`},
		"exactly_32_uncut":   {strings.Repeat("y", 32), `"` + strings.Repeat("y", 32) + `"`},
		"empty":              {"", `""`},
		"right_to_left_mark": {"\u202eabc", `"\u202eabc"`},
	} {
		if got := Quote(c.in); got != c.want {
			t.Errorf("%s: quote = %s, want %s", name, got, c.want)
		}
	}
}
