package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rosterhq/roster/"

// allowedImports says, per layer, which of the module's own packages and
// which third-party modules its (non-test) code may import: imports point
// inward (DESIGN.md §8.1). The standard library is always allowed.
var allowedImports = map[string][]string{
	"domain": {"domain"},
	// commands/writeapi serves HTTP on chi and refuses JSON text that
	// encoding/json would not keep as sent with jsontext (encoding/json/v2's
	// decoder); sessions rate-limit with x/time, in tables bounded by
	// golang-lru; access reads forwarding headers from trusted proxies with
	// realclientip (which headers to believe is a rule of the HTTP edge).
	"commands": {"domain", "commands", "github.com/google/uuid", "github.com/go-chi/chi/v5", "github.com/go-json-experiment/json",
		"golang.org/x/time/rate", "github.com/hashicorp/golang-lru/v2", "github.com/realclientip/realclientip-go",
		"github.com/elimity-com/scim", "github.com/scim2/filter-parser/v2"},
	// projections place events in the feed with the event store port's
	// Position (commands/eventstore imports nothing of the module): one
	// position type from the append to the read that waits for it.
	// Public events render consequences as the write API's replies do
	// (commands/documents imports only the domain), in CloudEvents' format.
	"projections": {"domain", "projections", "commands/eventstore", "commands/documents", "github.com/jackc/pgx/v5",
		"github.com/ThreeDotsLabs/watermill", "github.com/cloudevents/sdk-go/v2"},
	// readapi serves read models, in the domain's vocabulary (ids, statuses).
	// It shares with the write API commands/access (who is calling; problem
	// documents) and commands/documents (the User, Tenant, Team and WorkItem
	// both answer with, rendered once), and the event store port's Position
	// (min_position); nothing else of commands.
	"readapi": {"readapi", "projections", "domain", "commands/access", "commands/documents", "commands/eventstore", "github.com/go-chi/chi/v5"},
	// console is a client of the JSON API, called in process through the
	// router it is given: it imports nothing of the module, so that no rule
	// of the service can be written into it.
	"console": {"console", "github.com/go-chi/chi/v5"},
	"bench":   {"*"},
	"infra":   {"*"},
	"cmd":     {"*"},
}

// narrowerImports says, for packages held to less than their layer, which
// of the module's packages and which modules they may import.
var narrowerImports = map[string][]string{
	// access is what the read and the write API share: who is calling, and
	// problem documents. It depends on the domain's vocabulary, and on the
	// event store port's outage sentinels (eventstore.OutageError, beside
	// them): never on the use cases or the engine, which would link them
	// into the read API.
	"commands/access": {"domain", "commands/eventstore", "github.com/go-chi/chi/v5", "github.com/realclientip/realclientip-go"},
	// The command engine carries domain commands out on tenant streams: it
	// knows the domain and the event store port, no use case and no HTTP.
	"commands/execution": {"domain", "commands/eventstore", "commands/pause", "github.com/google/uuid"},
	// SCIM's protocol layer speaks SCIM (routing, schemas, filters: the
	// elimity library and its filter parser) over a port in Roster's terms:
	// nothing of the use cases or the engine; jsontext finds the text that
	// encoding/json (the library's decoder) would not keep as sent.
	"commands/scim": {"domain", "github.com/go-chi/chi/v5", "github.com/elimity-com/scim", "github.com/scim2/filter-parser/v2",
		"github.com/go-json-experiment/json"},
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func TestImportsPointInward(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "github.com/rosterhq/roster/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	decoder := json.NewDecoder(out)
	checked := 0
	for {
		var p listedPackage
		if err := decoder.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		checkImports(t, p)
		checked++
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("go list gave %d packages; the check saw nothing", checked)
	}
}

func checkImports(t *testing.T, p listedPackage) {
	layer, _, _ := strings.Cut(strings.TrimPrefix(p.ImportPath, module), "/")
	allowed, known := allowedImports[layer]
	if narrower, ok := narrowerImports[strings.TrimPrefix(p.ImportPath, module)]; ok {
		allowed = narrower
	}
	if !known {
		t.Errorf("package %s is in no known layer (top-level folders are fixed)", p.ImportPath)
		return
	}
	for _, imp := range p.Imports {
		if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") { // the standard library
			continue
		}
		if !importAllowed(allowed, imp) {
			t.Errorf("%s imports %s, outside what layer %s may use", p.ImportPath, imp, layer)
		}
	}
}

func importAllowed(allowed []string, imp string) bool {
	for _, a := range allowed {
		own := module + a
		switch {
		case a == "*",
			imp == own || strings.HasPrefix(imp, own+"/"),
			imp == a || strings.HasPrefix(imp, a+"/"):
			return true
		}
	}
	return false
}

// The read API links none of the write side's machinery, not even through
// another package: neither the use cases (commands) nor the command engine
// (commands/execution), nor sessions or the write API that use them. What
// it shares with the write API is commands/access alone.
func TestTheReadAPILinksNoCommandEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"readapi").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, module+"commands/access") {
		t.Fatalf("go list -deps ./readapi gave no commands/access; the check saw nothing: %v", deps)
	}
	// What the read API shares with the write side are leaves that import
	// the domain only (and the port's sentinels): any other package of
	// commands/ — the use cases, the engine, sessions, the write API, or
	// one added later — is a link to the command side.
	shared := []string{"commands/access", "commands/documents", "commands/eventstore"}
	for _, dep := range deps {
		path, ok := strings.CutPrefix(dep, module)
		if ok && (path == "commands" || strings.HasPrefix(path, "commands/")) && !slices.Contains(shared, path) {
			t.Errorf("readapi links %s (go list -deps ./readapi)", dep)
		}
	}
}
