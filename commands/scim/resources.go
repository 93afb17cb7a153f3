package scim

import (
	"log/slog"
	"net/http"

	"github.com/elimity-com/scim"
)

// resourceOf answers one resource read or written through the Directory:
// the resource rendered, or the SCIM error of err.
func resourceOf[T any](log *slog.Logger, r *http.Request, v T, err error, render func(T) scim.Resource) (scim.Resource, error) {
	if err != nil {
		return scim.Resource{}, failure(log, r, err)
	}
	return render(v), nil
}

// listPage answers one page of a list read through the Directory. Its
// Resources are never null (an empty list is "Resources": [], which
// clients require), and a filter that can match nothing (never) answers
// the empty page without a read.
func listPage[T any](log *slog.Logger, r *http.Request, never bool, read func() ([]T, int, error), render func(T) scim.Resource) (scim.Page, error) {
	if never {
		return scim.Page{Resources: []scim.Resource{}}, nil
	}
	list, total, err := read()
	if err != nil {
		return scim.Page{}, failure(log, r, err)
	}
	page := scim.Page{Resources: make([]scim.Resource, 0, len(list))}
	for _, v := range list {
		page.Resources = append(page.Resources, render(v))
	}
	page.TotalResults = total
	return page, nil
}
