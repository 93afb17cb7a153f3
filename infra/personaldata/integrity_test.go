package personaldata_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/infra/personaldata"
)

// storedPII returns the stored (sealed) pii value of the first event of user.
func (f *fixture) storedPII(t *testing.T, user string) string {
	t.Helper()
	var pii string
	err := f.pool.QueryRow(context.Background(),
		`SELECT payload -> 'pii' FROM events WHERE payload ->> 'user' = $1 ORDER BY position LIMIT 1`, user).Scan(&pii)
	if err != nil {
		t.Fatal(err)
	}
	return pii
}

// appendRaw appends a payload through the inner store, bypassing sealing:
// how an attacker with write access, or a bug, would store it.
func (f *fixture) appendRaw(t *testing.T, stream, payload string) {
	t.Helper()
	e := passwordSet("x", "x")
	e.Payload = []byte(payload)
	if _, err := f.inner.Append(context.Background(), stream, eventstore.Any(), []eventstore.NewEvent{e}); err != nil {
		t.Fatal(err)
	}
}

func TestSealedDataThatDoesNotOpenIsAnErrorNotAnErasure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.append(t, stream("moved"), eventstore.NoStream(), invited("a", "a@example.com", "A"), invited("b", "b@example.com", "B"))
	f.appendRaw(t, stream("moved"), fmt.Sprintf(`{"user":"b","pii":%s}`, f.storedPII(t, "a")))

	f.append(t, stream("forged"), eventstore.NoStream(), invited("c", "c@example.com", "C"))
	garbage := make([]byte, 60)
	_, _ = rand.Read(garbage)
	f.appendRaw(t, stream("forged"), fmt.Sprintf(`{"user":"c","pii":{"sealed":"%s"}}`, base64.StdEncoding.EncodeToString(garbage)))

	for _, s := range []string{stream("moved"), stream("forged")} {
		if _, err := f.store.ReadStream(context.Background(), s, 0, 10); !errors.Is(err, personaldata.ErrTampered) {
			t.Errorf("%s: read gave %v, want ErrTampered", s, err)
		}
	}
}

func TestAKeyRowCopiedToAnotherUserDoesNotOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.append(t, stream("t1"), eventstore.NoStream(), invited("a", "a@example.com", "A"), invited("b", "b@example.com", "B"))
	_, err := f.pool.Exec(ctx, `UPDATE personal_data_keys SET wrapped_key = (SELECT wrapped_key FROM personal_data_keys WHERE user_id = 'a') WHERE user_id = 'b'`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ReadStream(ctx, stream("t1"), 0, 10); !errors.Is(err, personaldata.ErrWrongMasterKey) {
		t.Fatalf("read gave %v", err)
	}
}

func TestPersonalDataStoredInTheClearIsRefusedOnRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.appendRaw(t, stream("t1"), `{"user":"u","pii":{"email":"clear@example.com"}}`)
	_, err := f.store.ReadStream(context.Background(), stream("t1"), 0, 10)
	if err == nil || !strings.Contains(err.Error(), "not sealed") || strings.Contains(err.Error(), "clear@example.com") {
		t.Fatalf("read gave %v", err)
	}
}

func TestPersonalDataOutsideATenantStreamIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, e := range []eventstore.NewEvent{invited("u", "u@example.com", "U"), deleted("u")} {
		if _, err := f.store.Append(context.Background(), "other", eventstore.Any(), []eventstore.NewEvent{e}); err == nil {
			t.Errorf("%s appended to a non-tenant stream", e.Type)
		}
	}
}

// Concurrent first appends of personal data of one user create one key,
// which every one of them was sealed with.
func TestConcurrentAppendsForANewUserShareOneKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 20
	errs := parallel(n, func(i int) error {
		_, err := f.store.Append(context.Background(), stream("t1"), eventstore.Any(),
			[]eventstore.NewEvent{passwordSet("u", fmt.Sprintf("hash-%d", i))})
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	events := f.readStream(t, stream("t1"))
	if len(events) != n {
		t.Fatalf("%d events, want %d", len(events), n)
	}
	for _, e := range events {
		if p := piiOf(t, e); !strings.HasPrefix(p.PasswordHash, "hash-") {
			t.Fatalf("event reads %+v", p)
		}
	}
}

func TestMissingKeysReportsLostKeysButNotErasures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.append(t, stream("t1"), eventstore.NoStream(), invited("lost", "l@example.com", "L"), invited("erased", "e@example.com", "E"), invited("fine", "f@example.com", "F"))
	f.append(t, stream("t2"), eventstore.NoStream(), invited("lost", "l2@example.com", "L2"))
	f.append(t, stream("t1"), eventstore.Any(), deleted("erased"))
	if _, err := f.pool.Exec(ctx, `DELETE FROM personal_data_keys WHERE tenant_id = 't1' AND user_id = 'lost'`); err != nil {
		t.Fatal(err)
	}
	missing, err := personaldata.MissingKeys(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0] != (personaldata.UserRef{Tenant: "t1", User: "lost"}) {
		t.Fatalf("missing keys: %+v, want only t1/lost", missing)
	}
}
