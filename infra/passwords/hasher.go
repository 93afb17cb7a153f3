package passwords

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/alexedwards/argon2id"

	"github.com/rosterhq/roster/commands"
)

var _ commands.PasswordHasher = (*Hasher)(nil)

// ErrEmptyPassword is returned (wrapped) by Hash for an empty password.
var ErrEmptyPassword = errors.New("passwords: empty password")

// Params are the Argon2id cost parameters of new hashes. Verification always
// uses the parameters recorded in the hash being checked.
type Params struct {
	MemoryKiB   uint32 // memory per hash, in KiB; at least 8 × Parallelism
	Iterations  uint32 // passes over the memory; at least 1
	Parallelism uint8  // lanes; at least 1 (changing it changes the hash)
	SaltLength  uint32 // random salt bytes; at least 16
	KeyLength   uint32 // derived key bytes; at least 16
}

// DefaultParams are the production parameters: OWASP's recommended minimum
// for Argon2id (19 MiB, 2 iterations, 1 lane), a 16-byte salt and a 32-byte key.
func DefaultParams() Params {
	return Params{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// TestParams are for tests only: the smallest cost Argon2id allows, so that
// hashing takes microseconds. Hashes made with them are trivial to crack.
func TestParams() Params {
	return Params{MemoryKiB: 8, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// Validate reports parameters that are unusable or below the floors above.
func (p Params) Validate() error {
	switch {
	case p.Parallelism < 1 || p.Iterations < 1:
		return fmt.Errorf("passwords: params: iterations and parallelism must be at least 1")
	case p.MemoryKiB < 8*uint32(p.Parallelism):
		return fmt.Errorf("passwords: params: memory must be at least 8 KiB per lane")
	case p.SaltLength < 16 || p.KeyLength < 16:
		return fmt.Errorf("passwords: params: salt and key must be at least 16 bytes")
	}
	return nil
}

// Hasher hashes with one set of parameters and verifies hashes made with any.
// It is safe for concurrent use.
type Hasher struct {
	params argon2id.Params
	dummy  string  // a hash with params of a random password nobody knows
	budget *Budget // nil: computations are not bounded
}

// Within returns a Hasher like h whose every Argon2id computation (Hash,
// Verify, VerifyDummy) runs within b: at most b's size at once, the others
// waiting briefly and then refused with ErrBusy.
func (h *Hasher) Within(b *Budget) *Hasher {
	bounded := *h
	bounded.budget = b
	return &bounded
}

// compute runs f, within the budget if h has one: a caller that has gone
// (ctx ended) stops waiting for a slot, and computes nothing.
func (h *Hasher) compute(ctx context.Context, f func()) error {
	if h.budget == nil {
		f()
		return nil
	}
	release, err := h.budget.Take(ctx)
	if err != nil {
		return err
	}
	defer release()
	f()
	return nil
}

// New returns a Hasher that makes hashes with p. It computes one hash up
// front (the dummy for VerifyDummy), so it costs one hashing.
func New(p Params) (*Hasher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	h := &Hasher{params: argon2id.Params{
		Memory: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism,
		SaltLength: p.SaltLength, KeyLength: p.KeyLength,
	}}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never returns an error
	dummy, err := h.Hash(context.Background(), hex.EncodeToString(secret))
	if err != nil {
		return nil, fmt.Errorf("passwords: dummy hash: %w", err)
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns the Argon2id hash of password with a fresh random salt. An
// empty password is refused with ErrEmptyPassword; with no slot of the
// budget in time (or once ctx ends), it returns ErrBusy.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if password == "" {
		return "", fmt.Errorf("passwords: hash: %w", ErrEmptyPassword)
	}
	var hash string
	var err error
	if busy := h.compute(ctx, func() { hash, err = argon2id.CreateHash(password, &h.params) }); busy != nil {
		return "", busy
	}
	if err != nil {
		return "", fmt.Errorf("passwords: hash: %w", err)
	}
	return hash, nil
}
