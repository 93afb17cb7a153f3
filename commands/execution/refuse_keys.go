package execution

import (
	"context"
	"time"

	"github.com/rosterhq/roster/domain"
)

// refuseKeys stands in for a missing IdempotencyStore: a key it cannot honour
// is refused rather than silently ignored.
type refuseKeys struct{}

func (refuseKeys) Claim(context.Context, IdempotencyID, string, int64, time.Time) (IdempotencyRecord, bool, error) {
	return IdempotencyRecord{}, false, domain.NewError(domain.CodeInvalid, "Idempotency-Key is not supported by this deployment")
}

func (refuseKeys) Complete(context.Context, IdempotencyID, []byte) error { return nil }
