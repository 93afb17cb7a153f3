package passwords_test

import (
	"testing"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/passwords"
)

// Every password of the common list that the length rule lets through is
// refused: the list NIST asks to check, as the screen ships it.
func TestTheScreenRefusesEveryCommonPasswordLongEnoughToBeAccepted(t *testing.T) {
	t.Parallel()
	var screen passwords.Screen
	checked := 0
	for _, pw := range frequency.FrequencyLists["passwords"] {
		if utf8.RuneCountInString(pw) < domain.MinPasswordLength {
			continue
		}
		checked++
		if !screen.Guessable(pw) {
			t.Errorf("the common password %q passes", pw)
		}
	}
	if checked < 5000 {
		t.Fatalf("only %d common passwords of 8 characters or more: is the list there?", checked)
	}
}

// Variants of common passwords, words, walks, repeats, sequences, dates and
// the account's own details are refused; passphrases of unrelated words
// and random strings pass.
func TestTheScreenRefusesVariantsAndTheAccountsOwnDetails(t *testing.T) {
	t.Parallel()
	var screen passwords.Screen
	for _, pw := range []string{"Password123", "P@ssw0rd!", "drowssap1", "iloveyou2", "qwertyuiop", "1qaz2wsx3edc",
		"aaaaaaaaaaaa", "abcdefghij", "123456789", "12/31/1999", "Football1", "Michael1985"} {
		if !screen.Guessable(pw) {
			t.Errorf("%q passes", pw)
		}
	}
	if screen.Guessable("acmeable") || !screen.Guessable("acmeable", "ann", "able", "acme") {
		t.Error("a password made of the account's own details is not refused for that account alone")
	}
	for _, pw := range []string{"correct horse battery staple", "violet kettle ransom", "k3#Zq9!vLm", "pass phrase of ann",
		"ann's brand new phrase", "Vq8#mT2!rL5@xK9$wN3%bH6^cJ4&dF7*gS1(zP0)yU"} {
		if screen.Guessable(pw, "ann@acme.example", "Ann Able") {
			t.Errorf("%q is refused", pw)
		}
	}
}
