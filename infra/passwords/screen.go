package passwords

import (
	"github.com/trustelem/zxcvbn"

	"github.com/rosterhq/roster/commands"
)

var _ commands.PasswordScreen = Screen{}

// MinGuesses is how many guesses a password must be expected to take, at
// the least, by the estimate of zxcvbn (Dropbox's estimator, which models
// how crackers actually guess: frequency lists first, then their variants):
// 10^6, zxcvbn's score 2. Below it are the 30,000 most common passwords of
// real breach corpora that zxcvbn ships (the exact list NIST SP 800-63B
// §5.1.1.2 asks verifiers to check), their variants with capitals, digits
// appended, l33t substitutions or reversal, common words and names,
// keyboard walks, repeats, sequences, dates, and the account's own details
// with little more to them. Above it a password outlasts an online attacker
// that the login limits throttle, and costs an offline one, at Argon2id's
// price per guess, far more than the common lists.
const MinGuesses = 1e6

// Screen is the commands.PasswordScreen of this service: zxcvbn's estimate
// against MinGuesses. Its lists are compiled into the binary (no file or
// network at run time); a password of domain.MaxPasswordLength characters
// takes it a few milliseconds, less than its hash. It is safe for
// concurrent use.
type Screen struct{}

// Guessable reports whether password is expected to fall within MinGuesses
// guesses, knowing context (the account's e-mail, name, ids), which an
// attacker who targets the account knows too.
func (Screen) Guessable(password string, context ...string) bool {
	return zxcvbn.PasswordStrength(password, context).Guesses < MinGuesses
}
