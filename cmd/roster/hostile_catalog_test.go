package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sender is a hostileField's send.
type sender = func(h *hostileRun, t testing.TB, c *hostileCase) reply

// hostileFields is every text field and number of the write API: bodies,
// ids in bodies and in paths, reasons of every command that takes one.
// FuzzHostileValuesRoundTrip's corpus picks fields by their index here:
// add new fields at the end.
func hostileFields() []*hostileField {
	var all []*hostileField
	for _, group := range [][]*hostileField{tenantFields(), policyFields(), inviteFields(), referenceFields(), handoffFields(), teamAndWorkFields(), reasonFields(), credentialFields(),
		bulkAndKnobFields()} {
		all = append(all, group...)
	}
	return all
}

// The corpus of FuzzHostileValuesRoundTrip names each input file
// "<field>--<what it found>" ("reason-of-block--NUL-breaks-the-audit-
// projector", spaces as dashes), and each still picks the field it names:
// the fields keep their order.
func TestTheHostileCorpusPicksTheFieldsItsFilesName(t *testing.T) {
	t.Parallel()
	fields := hostileFields()
	files, err := filepath.Glob("testdata/fuzz/FuzzHostileValuesRoundTrip/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		// The second line is the selector: byte('…').
		selector, _, _, err := strconv.UnquoteChar(strings.TrimPrefix(strings.Split(string(raw), "\n")[1], "byte('"), '\'')
		named, _, _ := strings.Cut(filepath.Base(file), "--")
		if picked := strings.ReplaceAll(fields[int(selector)%len(fields)].name, " ", "-"); err != nil || picked != named {
			t.Errorf("%s picks field %q (%v)", file, picked, err)
		}
	}
}

// tenantFields are the fields of a tenant's creation, each case a tenant.
func tenantFields() []*hostileField {
	create := func(key string) sender {
		return func(h *hostileRun, t testing.TB, c *hostileCase) reply {
			return h.carry(t, "POST", "/v1/tenants", tenantBody(c, key, c.raw()))
		}
	}
	bossEmail := func(c *hostileCase) string { return fmt.Sprintf("boss@c-%d.example", c.n) }
	return []*hostileField{
		{name: "tenant.id", tenantPerCase: true, tenantIsValue: true, stored: true, send: create("id"), read: tenantRead("id")},
		{name: "tenant.name", tenantPerCase: true, normalize: trimmed, stored: true, audit: "details", send: create("name"), read: tenantRead("name")},
		{name: "tenant.preset", tenantPerCase: true, emptyIsAbsent: true, stored: true, audit: "details", send: create("preset"), read: tenantRead("preset")},
		{name: "tenant.policy.seat_limit", tenantPerCase: true, stored: true, send: create("seat_limit"), read: tenantRead("policy.seat_limit")},
		{name: "tenant.seats", number: true, tenantPerCase: true, stored: true, send: create("seats"), read: tenantRead("seats.purchased")},
		{name: "tenant.owner.id", tenantPerCase: true, emptyIsAbsent: true, stored: true, send: create("owner.id"), read: userRead("id", (*hostileCase).asID)},
		{name: "tenant.owner.email", tenantPerCase: true, shape: emailShape, normalize: lowered, stored: true,
			send: create("owner.email"), read: userRead("email", (*hostileCase).owner)},
		{name: "tenant.owner.name", tenantPerCase: true, normalize: trimmed, stored: true, audit: "target_name",
			send: create("owner.name"), read: userRead("name", (*hostileCase).owner)},
		{name: "tenant.owner.password", tenantPerCase: true, send: create("owner.password"), read: loginWith(bossEmail)},
		{name: "tenant id in paths", path: true, tenantPerCase: true, tenantIsValue: true, stored: true, read: tenantRead("id"),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.attempt(t, "POST", "/v1/tenants", tenantBody(c, "id", c.raw()))
				return h.carry(t, "PUT", "/v1/tenants/"+c.segment()+"/seats", `{"seats": 7}`)
			}},
	}
}

// policyFields are the texts and numbers of a tenant's settings.
func policyFields() []*hostileField {
	patch := func(body func(c *hostileCase) string) sender {
		return func(h *hostileRun, t testing.TB, c *hostileCase) reply {
			return h.op(t, c, "PATCH", "/policy", body(c))
		}
	}
	return []*hostileField{
		{name: "policy.preset", shared: true, stored: true, read: tenantRead("preset"),
			send: patch(func(c *hostileCase) string { return rawObject("preset", c.raw()) })},
		{name: "policy.handoff_on_deactivate", shared: true, stored: true, read: tenantRead("policy.handoff_on_deactivate"),
			send: patch(func(c *hostileCase) string { return rawObject("handoff_on_deactivate", c.raw()) })},
		{name: "policy.managers_of_users", shared: true, stored: true, read: tenantRead("policy.managers_of_users"),
			send: patch(func(c *hostileCase) string { return rawObject("managers_of_users", "["+q("owner")+", "+c.raw()+"]") })},
		{name: "seats", number: true, shared: true, stored: true, audit: "details", read: tenantRead("seats.purchased"),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				return h.op(t, c, "PUT", "/seats", rawObject("seats", c.raw()))
			}},
	}
}

// inviteFields are the fields of an invitation.
func inviteFields() []*hostileField {
	invite := func(key string) sender {
		return func(h *hostileRun, t testing.TB, c *hostileCase) reply {
			return h.op(t, c, "POST", "/users", inviteBody(c, key, c.raw()))
		}
	}
	email := func(c *hostileCase) string { return c.user() + "@" + c.tenant + ".example" }
	return []*hostileField{
		{name: "invite.id", emptyIsAbsent: true, stored: true, send: invite("id"), read: userRead("id", (*hostileCase).asID)},
		{name: "invite.email", shape: emailShape, normalize: lowered, stored: true, send: invite("email"), read: userRead("email", nil)},
		{name: "invite.name", normalize: trimmed, stored: true, audit: "target_name", send: invite("name"), read: userRead("name", nil)},
		{name: "invite.password", emptyIsAbsent: true, send: invite("password"), read: loginWith(email)},
		{name: "invite.role", stored: true, send: invite("role"), read: userRead("role", nil)},
		{name: "invite.kind", emptyIsAbsent: true, stored: true, send: invite("kind"), read: userRead("kind", nil)},
		{name: "invite.teams", stored: true, read: userRead("teams", nil),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				if c.text != "" {
					h.attempt(t, "PUT", "/v1/tenants/"+c.tenant+"/teams/"+c.segment(), rawObject("name", q("Team")))
				}
				return h.op(t, c, "POST", "/users", inviteBody(c, "teams", "["+c.raw()+"]"))
			}},
	}
}

// inviteValueUser tries to invite an active user whose id is the case's
// value, for the fields that refer to a user: a valid id then names a user
// who exists and may take work, so that only a bad id can be refused.
func (h *hostileRun) inviteValueUser(t testing.TB, c *hostileCase) {
	t.Helper()
	h.attempt(t, "POST", "/v1/tenants/"+c.tenant+"/users", rawObject("id", c.raw(), "email", q(fmt.Sprintf("v-%d@%s.example", c.n, c.tenant)),
		"name", q("Value user"), "role", q("member"), "activate", "true"))
}

// assignedToOwnUser invites the case's user and gives them the case's item.
func (h *hostileRun) assignedToOwnUser(t testing.TB, c *hostileCase) {
	t.Helper()
	h.invite(t, c)
	h.must(t, c, "PUT", "/work/"+c.item(), rawObject("kind", q("job"), "assignee", q(c.user())))
}

// referenceFields are ids of users in bodies and paths.
func referenceFields() []*hostileField {
	crew := func(*hostileCase) string { return "crew" }
	item := (*hostileCase).item
	return []*hostileField{
		{name: "user id in paths", path: true, stored: true, read: userRead("id", (*hostileCase).asID),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.inviteValueUser(t, c)
				return h.op(t, c, "POST", "/users/"+c.segment()+"/revoke-sessions", "{}")
			}},
		{name: "team.leader", shared: true, stored: true, read: listRead("/teams", "leader", crew),
			setup: func(h *hostileRun, t testing.TB, tenant string) {
				expect(t, "define crew", h.send(t, "PUT", "/v1/tenants/"+tenant+"/teams/crew", "op-token", `{"name": "Crew"}`), http.StatusOK, "")
			},
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.inviteValueUser(t, c)
				return h.op(t, c, "PUT", "/teams/crew/leader", rawObject("user", c.raw()))
			}},
		{name: "work.assignee", stored: true, read: listRead("/work", "assignee", item),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.inviteValueUser(t, c)
				return h.op(t, c, "PUT", "/work/"+c.item(), rawObject("kind", q("job"), "assignee", c.raw()))
			}},
	}
}

// handoffFields are the users and items that work is handed off to and by.
func handoffFields() []*hostileField {
	item := (*hostileCase).item
	return []*hostileField{
		{name: "deactivate.handoff_to", stored: true, read: listRead("/work", "assignee", item),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.inviteValueUser(t, c)
				h.assignedToOwnUser(t, c)
				return h.op(t, c, "POST", "/users/"+c.user()+"/deactivate", rawObject("handoff_to", c.raw()))
			}},
		{name: "transfer.to", stored: true, read: listRead("/work", "assignee", item),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.inviteValueUser(t, c)
				h.assignedToOwnUser(t, c)
				return h.op(t, c, "POST", "/ownership-transfers", rawObject("from", q(c.user()), "to", c.raw(), "items", "["+q(c.item())+"]"))
			}},
		{name: "transfer.items", stored: true, read: listRead("/work", "id", (*hostileCase).asID),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.invite(t, c)
				if c.text != "" {
					h.attempt(t, "PUT", "/v1/tenants/"+c.tenant+"/work/"+c.segment(), rawObject("kind", q("job"), "assignee", q(c.user())))
				}
				return h.op(t, c, "POST", "/ownership-transfers", rawObject("from", q(c.user()), "to", q("unassigned"), "items", "["+c.raw()+"]"))
			}},
	}
}

// teamAndWorkFields are the ids and texts of teams and work items.
func teamAndWorkFields() []*hostileField {
	team, item := (*hostileCase).team, (*hostileCase).item
	return []*hostileField{
		{name: "team.id", path: true, stored: true, read: listRead("/teams", "id", (*hostileCase).asID),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				return h.op(t, c, "PUT", "/teams/"+c.segment(), rawObject("name", q("Team")))
			}},
		{name: "team.name", normalize: trimmed, stored: true, audit: "details", read: listRead("/teams", "name", team),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				return h.op(t, c, "PUT", "/teams/"+c.team(), rawObject("name", c.raw()))
			}},
		{name: "work.item", path: true, stored: true, read: listRead("/work", "id", (*hostileCase).asID),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				return h.op(t, c, "PUT", "/work/"+c.segment(), rawObject("kind", q("job")))
			}},
		{name: "work.kind", stored: true, audit: "details", read: listRead("/work", "kind", item),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				return h.op(t, c, "PUT", "/work/"+c.item(), rawObject("kind", c.raw()))
			}},
	}
}

// reasonFields are the reasons of every command that takes one (optional:
// an empty reason is none), each sent to a user of the case's own in the
// state the command needs.
func reasonFields() []*hostileField {
	reason := func(name, action string, prepare func(h *hostileRun, t testing.TB, c *hostileCase)) *hostileField {
		return &hostileField{name: "reason of " + name, emptyIsAbsent: true, stored: true, audit: "reason", read: auditReasons,
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				prepare(h, t, c)
				return h.op(t, c, "POST", "/users/"+c.user()+"/"+action, rawObject("reason", c.raw()))
			}}
	}
	active := (*hostileRun).invite
	then := func(action string) func(h *hostileRun, t testing.TB, c *hostileCase) {
		return func(h *hostileRun, t testing.TB, c *hostileCase) {
			h.invite(t, c)
			h.must(t, c, "POST", "/users/"+c.user()+"/"+action, "{}")
		}
	}
	return []*hostileField{
		reason("activate", "activate", func(h *hostileRun, t testing.TB, c *hostileCase) {
			h.must(t, c, "POST", "/users", inviteBody(c, "activate", "false"))
		}),
		reason("deactivate", "deactivate", active),
		reason("reactivate", "reactivate", then("deactivate")),
		reason("block", "block", active),
		reason("unblock", "unblock", then("block")),
		reason("revoke-sessions", "revoke-sessions", active),
		{name: "reason of delete", emptyIsAbsent: true, stored: true, audit: "reason", read: auditReasons,
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.invite(t, c)
				return h.op(t, c, "DELETE", "/users/"+c.user(), rawObject("reason", c.raw()))
			}},
		{name: "reason of ownership-transfers", emptyIsAbsent: true, stored: true, audit: "reason", read: auditReasons,
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.assignedToOwnUser(t, c)
				return h.op(t, c, "POST", "/ownership-transfers", rawObject("from", q(c.user()), "to", q("unassigned"),
					"items", "["+q(c.item())+"]", "reason", c.raw()))
			}},
	}
}

// credentialFields are a password changed and an e-mail in a purchase:
// neither is shown, a password only proves itself by logging in.
func credentialFields() []*hostileField {
	email := func(c *hostileCase) string { return c.user() + "@" + c.tenant + ".example" }
	return []*hostileField{
		{name: "password", read: loginWith(email),
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.invite(t, c)
				return h.op(t, c, "PUT", "/users/"+c.user()+"/password", rawObject("password", c.raw()))
			}},
		{name: "purchase.email", shape: emailShape,
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				return h.op(t, c, "POST", "/purchases", rawObject("email", c.raw()))
			}},
	}
}

// bulkAndKnobFields are the places milestone 2 added: the knobs of
// automatic deactivation and SCIM, and the reason of an action of a bulk
// (which goes into its events' metadata as a request's reason does).
func bulkAndKnobFields() []*hostileField {
	patch := func(key string) sender {
		return func(h *hostileRun, t testing.TB, c *hostileCase) reply {
			return h.op(t, c, "PATCH", "/policy", rawObject(key, c.raw()))
		}
	}
	return []*hostileField{
		{name: "policy.deactivate_after_days_without_login", number: true, shared: true, stored: true,
			read: tenantRead("policy.deactivate_after_days_without_login"), send: patch("deactivate_after_days_without_login")},
		{name: "policy.scim_delete", shared: true, stored: true, read: tenantRead("policy.scim_delete"), send: patch("scim_delete")},
		{name: "reason of bulk block", emptyIsAbsent: true, stored: true, audit: "reason", read: auditReasons,
			send: func(h *hostileRun, t testing.TB, c *hostileCase) reply {
				h.invite(t, c)
				return h.op(t, c, "POST", "/bulk", rawObject("atomic", "true", "actions",
					"["+rawObject("action", q("block"), "user", q(c.user()), "reason", c.raw())+"]"))
			}},
	}
}
