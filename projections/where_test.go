package projections

import (
	"slices"
	"testing"
)

func TestWhereNumbersEachValueInTheOrderAdded(t *testing.T) {
	w := WhereTenant("a.tenant_id", "acme")
	w.Add("a.assignee IS NULL")
	w.Add("a.kind = $%d", "chat")
	w.Add("(a.c, a.p) > ($%d, $%d)", uint64(7), uint64(3))
	if limit := w.Arg(11); limit != "$5" {
		t.Fatalf("the limit's placeholder is %q, want $5", limit)
	}
	sql, args := w.SQL()
	if want := "a.tenant_id = $1 AND a.assignee IS NULL AND a.kind = $2 AND (a.c, a.p) > ($3, $4)"; sql != want {
		t.Fatalf("clause %q, want %q", sql, want)
	}
	if want := []any{"acme", "chat", uint64(7), uint64(3), 11}; !slices.Equal(args, want) {
		t.Fatalf("arguments %v, want %v", args, want)
	}
}
