package console

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every page renders with the data its handler gives it, empty or full:
// a template error is a 500 the browser tests would only meet by chance.
func TestEveryPageRenders(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	console := &Console{pages: pages, log: slog.New(slog.NewTextHandler(&log, nil))}
	changed, count := true, 2
	from, to := "active", "inactive"
	data := map[string]any{
		"login":    loginView{Tenant: "acme", Error: "wrong"},
		"error":    errorView{Message: "x"},
		"users":    usersView{Tenant: tenantDoc{ID: "acme"}, Users: []userDoc{{ID: "ann", Status: "inactive"}}, Tabs: []tab{{Status: "active"}}},
		"user":     userView{Tenant: "acme", User: userDoc{ID: "ann"}, Timeline: []auditEntry{{Action: "UserInvited"}}, Past: &userDoc{}},
		"menu":     menuView{Tenant: "acme", User: "ann", Actions: actions},
		"confirm":  confirmView{Tenant: "acme", Action: actions[1], User: userDoc{ID: "ann"}, Preview: preview{Changed: true, Consequences: []consequence{{Kind: "status_changed", User: "ann", From: &from, To: &to}}}, Names: map[string]string{"ann": "Ann"}, NextSteps: nextStep},
		"bulk":     bulkView{Tenant: "acme", Action: "revoke-sessions", Users: []string{"ann", "bob"}, Results: []bulkResult{{Changed: &changed, Consequences: []consequence{{Kind: "sessions_revoked", User: "ann", Count: &count}}}, {Problem: &problem{Code: "sole_owner"}}}},
		"audit":    auditView{Tenant: "acme", Entries: []auditEntry{{Action: "UserDeleted"}}},
		"settings": settingsView{Tenant: tenantDoc{ID: "acme"}, Knobs: knobsOf(map[string]any{"a": true, "b": 1.0, "seat_limit": "enforce"}), Presets: presets},
		"teams":    teamsView{Tenant: "acme", Teams: []teamDoc{{ID: "red", Name: "Red", Members: []string{"ann"}}}, Names: map[string]string{}},
		"work":     workView{Tenant: "acme", Items: []workItem{{ID: "j1"}}, Names: map[string]string{}},
	}
	for name, data := range data {
		w := httptest.NewRecorder()
		console.render(w, http.StatusOK, name, data)
		if w.Code != http.StatusOK {
			t.Errorf("%s: %d: %s", name, w.Code, log.String())
		}
	}
}
