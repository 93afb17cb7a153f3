package scim

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/elimity-com/scim"
	"github.com/scim2/filter-parser/v2"
)

// subAttributeOfValuePath matches a comparison of a value path's
// sub-attribute, `emails[type eq "work"].value eq "x"`: Entra's way to
// find a user by work e-mail, which the library's parser refuses.
var subAttributeOfValuePath = regexp.MustCompile(`(?i)([a-z][a-z0-9_:.\-]*)\[([^\[\]]*)\]\.([a-z][a-z0-9_\-]*)\s+(eq|ne|co|sw|ew|gt|lt|ge|le)\s+("(?:[^"\\]|\\.)*"|true|false|null|-?[0-9][0-9.eE+\-]*)`)

// orOrNot finds a value filter that cannot be folded: the parser takes no
// parentheses inside brackets, and "a or b and c" would change meaning.
var orOrNot = regexp.MustCompile(`(?i)\b(or|not)\b`)

// foldValuePathFilters rewrites `attr[f].sub op v` as `attr[f and sub op
// v]`, which the parser takes and which means the same: some value of attr
// passes f and has sub op v. A value filter with "or" or "not" is left as
// it is (and refused as an invalid filter).
func foldValuePathFilters(f string) string {
	return subAttributeOfValuePath.ReplaceAllStringFunc(f, func(m string) string {
		p := subAttributeOfValuePath.FindStringSubmatch(m)
		if orOrNot.MatchString(p[2]) {
			return m
		}
		return p[1] + "[" + p[2] + " and " + p[3] + " " + p[4] + " " + p[5] + "]"
	})
}

// filterOf is the filter of a list, as the library parsed and validated
// it against the resource's schema; nil for none.
func filterOf(params scim.ListRequestParams) filter.Expression {
	if params.FilterValidator == nil {
		return nil
	}
	return params.FilterValidator.GetFilter()
}

// userFilter translates a parsed list filter (nil for none) into a
// UserFilter: a conjunction ("and") of equalities on userName, externalId,
// emails.value, or the work e-mail's value (emails[type eq "work"].value,
// emails[type eq "work" and value eq "x"]). Attribute names and operators
// are case-insensitive. never is true for a filter no user can pass (two
// different values for one attribute). Any other filter is 400
// invalidFilter: answering it unfiltered would hand a client looking for
// one user the whole tenant.
func userFilter(e filter.Expression) (f UserFilter, never bool, err error) {
	if e == nil {
		return UserFilter{}, false, nil
	}
	eqs, ok := equalities(e, userSchema)
	m, never, known := conditions(eqs, "username", "externalid", "emails.value")
	if !ok || !known {
		return UserFilter{}, false, invalidFilter(`supported filters: userName, externalId, emails.value and ` +
			`emails[type eq "work"].value compared with eq, joined by and`)
	}
	return UserFilter{UserName: m["username"], ExternalID: m["externalid"], Email: m["emails.value"]}, never, nil
}

// groupFilter is userFilter for groups: equalities on displayName and
// externalId, joined by "and".
func groupFilter(e filter.Expression) (f GroupFilter, never bool, err error) {
	if e == nil {
		return GroupFilter{}, false, nil
	}
	eqs, ok := equalities(e, groupSchema)
	m, never, known := conditions(eqs, "displayname", "externalid")
	if !ok || !known {
		return GroupFilter{}, false, invalidFilter("supported filters: displayName and externalId compared with eq, joined by and")
	}
	return GroupFilter{DisplayName: m["displayname"], ExternalID: m["externalid"]}, never, nil
}

// equality is one condition attribute = value of a filter; path is the
// attribute's lower-cased name, with its sub-attribute ("emails.value").
type equality struct{ path, value string }

// equalities flattens e into the equalities it is the conjunction of,
// dropping core (the resource's schema URI) as a prefix; ok is false for
// anything else ("or", "not", other operators, values that are no string).
func equalities(e filter.Expression, core string) (eqs []equality, ok bool) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		left, okLeft := equalities(e.Left, core)
		right, okRight := equalities(e.Right, core)
		return append(left, right...), e.Operator == filter.AND && okLeft && okRight
	case *filter.AttributeExpression:
		value, isString := e.CompareValue.(string)
		if e.Operator != filter.EQ || !isString || !ownURI(e.AttributePath, core) {
			return nil, false
		}
		return []equality{{pathOf(e.AttributePath), unescape(value)}}, true
	case *filter.ValuePath:
		return workEmail(e, core)
	}
	return nil, false
}

// workEmail reads emails[type eq "work" and value eq "x"] and
// emails[value eq "x"] as emails.value eq "x": the e-mail Roster keeps is
// the work one.
func workEmail(e *filter.ValuePath, core string) ([]equality, bool) {
	if !ownURI(e.AttributePath, core) || pathOf(e.AttributePath) != "emails" {
		return nil, false
	}
	inner, ok := equalities(e.ValueFilter, "")
	var values []equality
	for _, q := range inner {
		switch {
		case q.path == "type" && strings.EqualFold(q.value, "work"):
		case q.path == "value":
			values = append(values, equality{"emails.value", q.value})
		default:
			return nil, false
		}
	}
	return values, ok && len(values) > 0
}

// conditions gathers eqs by path; known is false when a path is not one of
// paths. never is true when one path has two values (compared
// case-insensitively: userName and e-mails are).
func conditions(eqs []equality, paths ...string) (m map[string]*string, never, known bool) {
	m = map[string]*string{}
	for _, q := range eqs {
		if !slices.Contains(paths, q.path) {
			return nil, false, false
		}
		if v, ok := m[q.path]; ok {
			never = never || !strings.EqualFold(*v, q.value)
			continue
		}
		m[q.path] = &q.value
	}
	return m, never, true
}

func pathOf(p filter.AttributePath) string {
	path := strings.ToLower(p.AttributeName)
	if sub := p.SubAttributeName(); sub != "" {
		path += "." + strings.ToLower(sub)
	}
	return path
}

func ownURI(p filter.AttributePath, core string) bool {
	return p.URI() == "" || strings.EqualFold(p.URI(), core)
}

// unescape resolves the escapes of a filter's string literal ("a\"b"),
// which the parser leaves as written.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var out string
	if json.Unmarshal([]byte(`"`+s+`"`), &out) != nil {
		return s
	}
	return out
}
