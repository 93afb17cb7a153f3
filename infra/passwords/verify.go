package passwords

import (
	"context"
	"fmt"

	"github.com/alexedwards/argon2id"
)

// Limits on the parameters of a hash being verified: a corrupted or planted
// hash must fail as malformed, not exhaust memory or CPU (or make the
// argon2 package panic, as it does for zero lanes).
const (
	maxMemoryKiB  = 1 << 20 // 1 GiB
	maxIterations = 64
	minKeyLength  = 16
)

// Verify reports whether password matches hash, comparing the derived keys
// in constant time; it takes the time one hashing with the hash's parameters
// takes, whatever the password. A hash that is not an Argon2id hash with sane
// parameters is an error. An empty password matches nothing: Verify returns
// false at once, which reveals nothing since it does not depend on hash.
// With no slot of the budget in time (or once ctx ends), it returns ErrBusy.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (bool, error) {
	if err := checkHash(hash); err != nil {
		return false, err
	}
	if password == "" {
		return false, nil
	}
	var match bool
	var err error
	if busy := h.compute(ctx, func() { match, err = argon2id.ComparePasswordAndHash(password, hash) }); busy != nil {
		return false, busy
	}
	if err != nil {
		return false, fmt.Errorf("passwords: verify: %w", err)
	}
	return match, nil
}

// VerifyDummy burns the time of verifying password against a hash made with
// this Hasher's parameters, and discards the result. Call it when there is no
// stored hash to verify (no account has the login's e-mail), so that the
// reply takes as long as for an account that exists — waiting for a slot of
// the budget and refused with ErrBusy alike.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	if password == "" {
		return nil // as Verify does
	}
	return h.compute(ctx, func() { _, _ = argon2id.ComparePasswordAndHash(password, h.dummy) })
}

// checkHash parses hash and refuses parameters nobody would choose.
func checkHash(hash string) error {
	p, _, _, err := argon2id.DecodeHash(hash)
	if err != nil {
		return fmt.Errorf("passwords: verify: malformed hash: %w", err)
	}
	switch {
	case p.Parallelism < 1 || p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("passwords: verify: malformed hash: t=%d, p=%d", p.Iterations, p.Parallelism)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("passwords: verify: malformed hash: m=%d", p.Memory)
	case p.KeyLength < minKeyLength:
		return fmt.Errorf("passwords: verify: malformed hash: %d-byte key", p.KeyLength)
	}
	return nil
}
