package users

import (
	"slices"

	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/projections"
)

// ReduceBatch implements projections.BatchReducer: Reduce's statements for
// each event in turn, except that a plain change (plainChange, or a version
// step alone) of a user invited earlier in the same batch is folded into the
// invitation's COPY row. Catching up, an invitation and its activation then
// become one row in its final state instead of a row and an UPDATE; those
// UPDATEs were the users projector's largest cost after COPY (8.4 s of
// database time over 500,000 invitations and activations).
//
// Folding is exact because a batch's COPY rows are loaded before its SQL
// statements run: a change may join the row only while no statement of the
// batch touches that user yet. Once one does, that user's later changes stay
// statements, in order, behind it.
func (p Projector) ReduceBatch(events []projections.Event) []projections.Statement {
	var out []projections.Statement
	open := map[domain.UserID][]any{} // values of rows invited in this batch that changes may still join
	for _, e := range events {
		if p.foldInto(open, e) {
			continue
		}
		statements := p.Reduce(e)
		if d, ok := e.Data.(domain.UserInvited); ok {
			open[d.User] = statements[0].Copy.Values
		} else {
			for _, user := range domain.Subjects(e.Data) {
				delete(open, user) // a statement touches the row: later changes follow it
			}
		}
		out = append(out, statements...)
	}
	return out
}

// Indexes of the values a fold changes in a row of userColumns.
var (
	versionColumn = slices.Index(userColumns, "version")
	updatedColumn = slices.Index(userColumns, "updated_at")
)

// foldInto applies e to the open row of its one user when e's whole effect
// on the read model is a plain change of that row or its version step
// alone, and reports whether it did.
func (p Projector) foldInto(open map[domain.UserID][]any, e projections.Event) bool {
	user, columns, plain := plainChange(e)
	if !plain {
		subjects := domain.Subjects(e.Data)
		if _, invited := e.Data.(domain.UserInvited); invited || len(subjects) != 1 || p.change(e) != nil {
			return false
		}
		user = subjects[0]
	}
	row := open[user]
	if row == nil {
		return false
	}
	for _, c := range columns {
		c.apply(row)
	}
	row[versionColumn] = row[versionColumn].(int64) + 1
	row[updatedColumn] = e.OccurredAt
	return true
}
