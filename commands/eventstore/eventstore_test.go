package eventstore_test

import (
	"testing"

	"github.com/rosterhq/roster/commands/eventstore"
)

func TestPositionStringRoundTrips(t *testing.T) {
	t.Parallel()
	for _, p := range []eventstore.Position{{}, {Commit: 1, Prepare: 2}, {Commit: 1<<64 - 1, Prepare: 1<<63 + 5}} {
		got, err := eventstore.ParsePosition(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePosition(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
}

func TestMalformedPositionsAreRefused(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "12", "-", "a-1", "1-b", "1-2-3", "-1-2", "1.5-2", "18446744073709551616-1"} {
		if _, err := eventstore.ParsePosition(s); err == nil {
			t.Errorf("ParsePosition(%q) succeeded", s)
		}
	}
}

func TestPositionsOrderByCommitThenPrepare(t *testing.T) {
	t.Parallel()
	ordered := []eventstore.Position{{}, {Commit: 1, Prepare: 9}, {Commit: 2, Prepare: 1}, {Commit: 2, Prepare: 3}}
	for i := range ordered {
		for j := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := ordered[i].Compare(ordered[j]); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	if !ordered[0].IsZero() || ordered[1].IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestExpectedVersionsSayWhatTheyRequire(t *testing.T) {
	t.Parallel()
	if !eventstore.Any().IsAny() || eventstore.NoStream().IsAny() || eventstore.NoStream().Version() != 0 {
		t.Error("Any/NoStream are wrong")
	}
	if e := eventstore.Exact(7); e.IsAny() || e.Version() != 7 || e.String() != "7" {
		t.Errorf("Exact(7) = %v", e)
	}
}
