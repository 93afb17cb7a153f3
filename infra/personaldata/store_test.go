package personaldata_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/eventstore/eventstoretest"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/personaldata"
)

// The decorator keeps every promise of the port. AppendUncommitted is nil:
// the decorator's appends are the inner store's, whose late-commit case is
// tested in pgstore.
func TestEventStoreContractHoldsThroughTheSealingStore(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T) eventstoretest.Harness {
		return eventstoretest.Harness{Store: newFixture(t).store}
	})
}

func TestPersonalDataReadsBackIdenticalButIsNeverStoredReadable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const email, name = "ada.lovelace@example.com", "Ada Lovelace"
	sent := []eventstore.NewEvent{invited("u-1", email, name), activated("u-1"), passwordSet("u-1", "$argon2id$secret-hash")}
	f.append(t, stream("t1"), eventstore.NoStream(), sent...)

	readAll, subscription := f.settledFeed(t, len(sent))
	for how, got := range map[string][]eventstore.RecordedEvent{
		"ReadStream": f.readStream(t, stream("t1")), "ReadAll": readAll, "Subscribe": subscription,
	} {
		for i := range sent {
			if !bytes.Equal(got[i].Payload, sent[i].Payload) || !bytes.Equal(got[i].Metadata, sent[i].Metadata) {
				t.Errorf("%s: event %d reads %s, want %s", how, i, got[i].Payload, sent[i].Payload)
			}
		}
	}

	var stored string
	if err := f.pool.QueryRow(context.Background(), `SELECT string_agg(payload::text, ' ') FROM events`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{email, name, "secret-hash"} {
		for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)),
			base64.RawURLEncoding.EncodeToString([]byte(secret)), hex.EncodeToString([]byte(secret))} {
			if strings.Contains(strings.ToLower(stored), strings.ToLower(form)) {
				t.Errorf("the events table contains %q", form)
			}
		}
	}
	if strings.Count(stored, `"pii":{"sealed":"`) != 2 {
		t.Errorf("the stored events do not hold two sealed values: %s", stored)
	}
}

func TestDeletingAUserShredsTheirKeyAndShowsThemErasedEverywhere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := stream("t1")
	f.append(t, s, eventstore.NoStream(), invited("gone", "gone@example.com", "Gone Person"), invited("kept", "kept@example.com", "Kept Person"))
	f.append(t, s, eventstore.Exact(2), activated("gone"), passwordSet("gone", "hash-of-gone"))

	_, err := f.store.Append(context.Background(), s, eventstore.Exact(1), []eventstore.NewEvent{deleted("gone")})
	if !errors.Is(err, eventstore.ErrVersionConflict) {
		t.Fatalf("a deletion at a stale version gave %v, want a version conflict", err)
	}
	if !f.hasKey(t, "t1", "gone") {
		t.Fatal("a deletion that failed to append destroyed the key anyway")
	}

	f.append(t, s, eventstore.Exact(4), deleted("gone"))
	if f.hasKey(t, "t1", "gone") || !f.hasKey(t, "t1", "kept") {
		t.Fatal("after the deletion the deleted user's key remains, or another user's is gone")
	}
	readAll, subscription := f.settledFeed(t, 5)
	for how, events := range map[string][]eventstore.RecordedEvent{
		"ReadStream": f.readStream(t, s), "ReadAll": readAll, "Subscribe": subscription,
	} {
		assertErased(t, how, events)
	}
}

// assertErased checks the events of TestDeletingAUser…: "gone"'s personal
// data is erased, "kept"'s still reads.
func assertErased(t *testing.T, how string, events []eventstore.RecordedEvent) {
	t.Helper()
	if len(events) != 5 {
		t.Fatalf("%s: %d events, want 5", how, len(events))
	}
	for _, i := range []int{0, 3} {
		if !bytes.Contains(events[i].Payload, []byte(`"pii":{"erased":true}`)) {
			t.Errorf("%s: event %d of the deleted user reads %s", how, i, events[i].Payload)
		}
		if p := piiOf(t, events[i]); !p.Erased || p.Email != "" || p.DisplayName() != domain.DeletedUserName {
			t.Errorf("%s: event %d decodes to %+v", how, i, p)
		}
	}
	if p := piiOf(t, events[1]); p.Email != "kept@example.com" || p.Erased {
		t.Errorf("%s: the other user's personal data reads %+v", how, p)
	}
}

func TestReappendingBatchesIsIdempotentAcrossAnErasure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for tenant, expected := range map[string]eventstore.ExpectedVersion{"exact": eventstore.Exact(1), "any": eventstore.Any()} {
		s := stream(tenant)
		invite := []eventstore.NewEvent{invited("u", "u@example.com", "U")}
		first := f.append(t, s, eventstore.NoStream(), invite...)
		erase := []eventstore.NewEvent{deleted("u")}
		original := f.append(t, s, expected, erase...)
		if again := f.append(t, s, expected, erase...); again != original {
			t.Fatalf("expecting %s: re-appending the deletion gave %+v, want %+v", expected, again, original)
		}
		if again := f.append(t, s, eventstore.NoStream(), invite...); again != first {
			t.Fatalf("re-appending the invitation after the deletion gave %+v, want %+v", again, first)
		}
		if f.hasKey(t, tenant, "u") {
			t.Fatal("re-appending the invitation of a deleted user gave them a key again")
		}
		if events := f.readStream(t, s); len(events) != 2 || !piiOf(t, events[0]).Erased {
			t.Fatalf("the stream holds %d events, the deleted user reads %s", len(events), events[0].Payload)
		}
	}
}

func TestAWrongMasterKeyIsRefusedAndNeverShowsPeopleAsErased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.append(t, stream("t1"), eventstore.NoStream(), invited("u", "u@example.com", "U"))
	if err := personaldata.CheckMasterKey(ctx, f.pool, f.key); err != nil {
		t.Fatalf("the right key is refused: %v", err)
	}
	wrong := newKey(t)
	err := personaldata.CheckMasterKey(ctx, f.pool, wrong)
	if !errors.Is(err, personaldata.ErrWrongMasterKey) || !strings.Contains(err.Error(), "ROSTER_MASTER_KEY") {
		t.Fatalf("the wrong key gave %v", err)
	}
	store := personaldata.NewStore(f.inner, f.pool, wrong)
	if events, err := store.ReadStream(ctx, stream("t1"), 0, 10); !errors.Is(err, personaldata.ErrWrongMasterKey) {
		t.Fatalf("reading with the wrong key gave %v (%d events)", err, len(events))
	}
	if _, err := store.Append(ctx, stream("t1"), eventstore.Any(), []eventstore.NewEvent{passwordSet("u", "h")}); !errors.Is(err, personaldata.ErrWrongMasterKey) {
		t.Fatalf("appending with the wrong key gave %v", err)
	}
}

// A database whose keys were written before any check was recorded still
// refuses a key that does not open them.
func TestTheFirstCheckRefusesAKeyThatDoesNotOpenExistingKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.append(t, stream("t1"), eventstore.NoStream(), invited("u", "u@example.com", "U"))
	if _, err := f.pool.Exec(ctx, `DELETE FROM personal_data_master`); err != nil {
		t.Fatal(err)
	}
	if err := personaldata.CheckMasterKey(ctx, f.pool, newKey(t)); !errors.Is(err, personaldata.ErrWrongMasterKey) {
		t.Fatalf("gave %v", err)
	}
	if err := personaldata.CheckMasterKey(ctx, f.pool, f.key); err != nil {
		t.Fatalf("the right key is refused: %v", err)
	}
}

func TestConcurrentFirstChecksAgreeOnOneKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newFixture(t).pool
	if _, err := pool.Exec(ctx, `DELETE FROM personal_data_master`); err != nil {
		t.Fatal(err)
	}
	keys := []personaldata.MasterKey{newKey(t), newKey(t)}
	errs := parallel(10, func(i int) error { return personaldata.CheckMasterKey(ctx, pool, keys[i%2]) })
	var ok [2]int
	for i, err := range errs {
		if err == nil {
			ok[i%2]++
		} else if !errors.Is(err, personaldata.ErrWrongMasterKey) {
			t.Fatalf("check %d: %v", i, err)
		}
	}
	if !(ok == [2]int{5, 0} || ok == [2]int{0, 5}) {
		t.Fatalf("checks accepted per key: %v, want all of one key and none of the other", ok)
	}
}
