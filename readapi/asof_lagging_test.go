package readapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rosterhq/roster/commands/access"
	"github.com/rosterhq/roster/commands/documents"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/readapi"
)

// behindHistory is a UserHistory whose copy of the event store never
// catches up.
type behindHistory struct{}

func (behindHistory) UserAsOf(context.Context, domain.TenantID, domain.UserID, time.Time) (documents.User, bool, error) {
	return documents.User{}, false, fmt.Errorf("%w: kurrentfeed: read history: not caught up (%w)", readapi.ErrLagging, context.DeadlineExceeded)
}

// A point-in-time read whose copy of the event store is behind answers
// 504 projection_lagging, as a read model behind min_position does — not
// 500, and never from the stale copy.
func TestAnAsOfReadFromACopyThatIsBehindAnswersLagging(t *testing.T) {
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(w, req.WithContext(access.With(req.Context(), access.Principal{Operator: true})))
		})
	})
	(&readapi.API{Log: slog.New(slog.DiscardHandler), History: behindHistory{}}).Mount(r)
	server := httptest.NewServer(r)
	defer server.Close()
	resp, err := http.Get(server.URL + "/v1/tenants/acme/users/ann?as_of=2026-01-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var problem struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&problem); err != nil || resp.StatusCode != http.StatusGatewayTimeout || problem.Code != string(domain.CodeProjectionLagging) {
		t.Fatalf("got %d %+v (%v), want 504 projection_lagging", resp.StatusCode, problem, err)
	}
}
