package readapi

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/rosterhq/roster/domain"
)

// idCursor is the cursor of a list paged in id order (users, work items):
// the last id of the page, tagged with the list's name and encoded in
// base64url, so that it is opaque to clients, and so that a cursor the list
// did not give out — made up, or another list's — is refused (400 invalid,
// naming "cursor") rather than taken for a place to start. (An id alone
// cannot be told apart: any id-shaped text is a place in id order.) The
// audit trail's cursors need none of this: they are its entries' positions,
// whose form the trail checks itself (audit.ErrBadCursor).
type idCursor struct {
	list  string
	valid func(id string) bool
}

var (
	usersCursor = idCursor{list: "users", valid: func(id string) bool { return domain.UserID(id).Valid() }}
	workCursor  = idCursor{list: "work", valid: func(id string) bool { return domain.WorkItemID(id).Valid() }}
)

// encode is the cursor after the page whose last id is last ("" on the last
// page: no cursor).
func (c idCursor) encode(last string) string {
	if last == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c.list + ":" + last))
}

// after reads q's cursor: the last id of the previous page, "" for the
// first page; an error (400 invalid) for a cursor this list did not give out.
func (c idCursor) after(q url.Values) (string, error) {
	raw := q.Get("cursor")
	if raw == "" {
		return "", nil
	}
	decoded, err := base64.RawURLEncoding.DecodeString(raw)
	id, ours := strings.CutPrefix(string(decoded), c.list+":")
	if err != nil || !ours || !c.valid(id) {
		return "", errBadCursor
	}
	return id, nil
}

// errBadCursor answers a cursor a list did not give out.
var errBadCursor = invalid("cursor", "cursor is not one this list gave out: pass the next_cursor of the previous page as it is")
