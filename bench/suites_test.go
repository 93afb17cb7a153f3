package main

import (
	"strings"
	"testing"
)

// -suite commands runs the command side's suites and nothing else; a name
// that is neither a suite nor a group is refused, naming the suites, before
// anything runs.
func TestSuitesAreChosenByNameOrGroupAndAnUnknownNameIsRefused(t *testing.T) {
	wanted, err := selected("commands")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range suites {
		member := s.name == "command-latency" || s.name == "deactivate-throughput"
		if wanted(s.name) != member {
			t.Errorf("-suite commands runs %s: %v, want %v", s.name, wanted(s.name), member)
		}
	}
	if wanted, err := selected("http"); err != nil || !wanted("http") || wanted("as-of") {
		t.Errorf("-suite http: %v", err)
	}
	if wanted, err := selected("introspection"); err != nil || !wanted("introspection") || wanted("http") {
		t.Errorf("-suite introspection: %v", err)
	}
	if _, err := selected("comands"); err == nil || !strings.Contains(err.Error(), "deactivate-throughput") {
		t.Errorf("-suite comands: %v, want a refusal naming the suites", err)
	}
}
