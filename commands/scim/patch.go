package scim

import (
	"strings"

	"github.com/elimity-com/scim"
	"github.com/scim2/filter-parser/v2"
)

// target is what a PATCH operation's path names, lower-cased: the
// attribute, its sub-attribute (from "name.givenName" or
// `emails[type eq "work"].value` alike), the value filter, and whether the
// attribute is the enterprise extension's.
type target struct {
	attr, sub  string
	filter     filter.Expression
	enterprise bool
}

// targetOf reads op's path. After request.go every add and replace has
// one, and the library refuses a remove without one; ok is false for a
// path-less operation left with nothing but ignored keys (Okta's id).
func targetOf(op scim.PatchOperation) (t target, ok bool) {
	if op.Path == nil {
		return target{}, false
	}
	p := op.Path.AttributePath
	sub := p.SubAttributeName()
	if sub == "" {
		sub = op.Path.SubAttributeName()
	}
	return target{
		attr:       strings.ToLower(p.AttributeName),
		sub:        strings.ToLower(sub),
		filter:     op.Path.ValueExpression,
		enterprise: strings.EqualFold(p.URI(), enterpriseSchema),
	}, true
}

// setText sets *dst to value, a string, or to "" for a remove.
func setText(dst **string, value any, remove bool) error {
	if remove {
		empty := ""
		*dst = &empty
		return nil
	}
	s, ok := value.(string)
	if !ok {
		return invalidValue("the value must be a string")
	}
	*dst = &s
	return nil
}

// selectsKept reports whether the value filter of a path on emails or
// roles can select the one value Roster keeps of them: the work e-mail,
// the primary role. A filter on type selects it when it names "work"
// (e-mails; workType) or any type (roles: Entra's role types); on primary
// when true ("True" alike); on value or display always.
func selectsKept(e filter.Expression, workType bool) bool {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		left, right := selectsKept(e.Left, workType), selectsKept(e.Right, workType)
		if e.Operator == filter.AND {
			return left && right
		}
		return left || right
	case *filter.AttributeExpression:
		if e.Operator != filter.EQ {
			return false
		}
		switch strings.ToLower(e.AttributePath.AttributeName) {
		case "type":
			return !workType || strings.EqualFold(text(e.CompareValue), "work")
		case "primary":
			b, isString := e.CompareValue.(string)
			return e.CompareValue == true || isString && strings.EqualFold(b, "true")
		case "value", "display":
			return true
		}
	}
	return false
}
