package main

import (
	"encoding/json"
	"io"
	"os/exec"
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
		"golang.org/x/time/rate", "github.com/hashicorp/golang-lru/v2", "github.com/realclientip/realclientip-go"},
	// projections place events in the feed with the event store port's
	// Position (commands/eventstore imports nothing of the module): one
	// position type from the append to the read that waits for it.
	"projections": {"domain", "projections", "commands/eventstore", "github.com/jackc/pgx/v5", "github.com/ThreeDotsLabs/watermill"},
	// readapi serves read models, in the domain's vocabulary (ids, statuses).
	// It shares with the write API commands/access (who is calling; problem
	// documents) and commands/documents (the User, Tenant, Team and WorkItem
	// both answer with, rendered once), and the event store port's Position
	// (min_position); nothing else of commands.
	"readapi": {"readapi", "projections", "domain", "commands/access", "commands/documents", "commands/eventstore", "github.com/go-chi/chi/v5"},
	"bench":   {"*"},
	"infra":   {"*"},
	"cmd":     {"*"},
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
