package webhookapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rosterhq/roster/commands/eventstore"
	"github.com/rosterhq/roster/commands/writeapi"
	"github.com/rosterhq/roster/domain"
	"github.com/rosterhq/roster/infra/webhooks"
)

// deliveryDoc is one delivery of the log, with its attempts.
type deliveryDoc struct {
	EventID       string       `json:"event_id"`
	EventType     string       `json:"event_type"`
	Position      string       `json:"position"`
	State         string       `json:"state"`
	CreatedAt     time.Time    `json:"created_at"`
	NextAttemptAt *time.Time   `json:"next_attempt_at,omitempty"`
	Attempts      []attemptDoc `json:"attempts"`
}

type attemptDoc struct {
	Number        int        `json:"number"`
	At            time.Time  `json:"at"`
	Status        *int       `json:"status"` // null: no answer
	LatencyMS     float64    `json:"latency_ms"`
	Error         string     `json:"error,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

func deliveryDocOf(d webhooks.Delivery) deliveryDoc {
	doc := deliveryDoc{EventID: d.EventID, EventType: d.EventType, Position: d.Position.String(), State: d.State,
		CreatedAt: d.CreatedAt, NextAttemptAt: orNil(d.NextAttemptAt), Attempts: make([]attemptDoc, len(d.Attempts))}
	for i, at := range d.Attempts {
		a := attemptDoc{Number: at.Number, At: at.At, LatencyMS: float64(at.Latency.Microseconds()) / 1000, Error: at.Error,
			NextAttemptAt: orNil(at.NextAttemptAt)}
		if at.StatusCode != 0 {
			status := at.StatusCode
			a.Status = &status
		}
		doc.Attempts[i] = a
	}
	return doc
}

// deliveries answers GET …/webhooks/{webhook}/deliveries: the log, newest
// event first, a page at a time (limit 1–200, cursor, state).
func (a *API) deliveries(w http.ResponseWriter, r *http.Request) {
	page, err := deliveryPageOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	list, next, err := a.Store.Deliveries(r.Context(), tenantOf(r), webhookOf(r), page)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items := make([]deliveryDoc, len(list))
	for i, d := range list {
		items[i] = deliveryDocOf(d)
	}
	body := map[string]any{"items": items}
	if !next.IsZero() {
		body["next_cursor"] = next.String()
	}
	writeJSON(w, http.StatusOK, body)
}

func deliveryPageOf(r *http.Request) (webhooks.DeliveryPage, error) {
	q := r.URL.Query()
	page := webhooks.DeliveryPage{Limit: 50, State: q.Get("state")}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || strconv.Itoa(n) != raw || n < 1 || n > 200 {
			return page, invalidField("limit", "limit must be a whole number from 1 to 200")
		}
		page.Limit = n
	}
	switch page.State {
	case "", webhooks.Pending, webhooks.Delivered, webhooks.Failed:
	default:
		return page, invalidField("state", "state must be pending, delivered or failed")
	}
	if raw := q.Get("cursor"); raw != "" {
		before, err := eventstore.ParsePosition(raw)
		if err != nil || before.IsZero() {
			return page, invalidField("cursor", "cursor must be the next_cursor of the previous page, passed as it is")
		}
		page.Before = before
	}
	return page, nil
}

// maxEventID bounds a replayed event's id (event ids are UUIDs, 36).
const maxEventID = 64

// replayBody is POST …/webhooks/{webhook}/replay: every event after a
// cursor of the pull feed ("" or "0": from the start of the retention), or
// one event's delivery by its id.
type replayBody struct {
	After   *string `json:"after"`
	EventID *string `json:"event_id"`
}

// replay queues deliveries again and answers 202 with how many.
func (a *API) replay(w http.ResponseWriter, r *http.Request) {
	body, err := writeapi.DecodeBody[replayBody](w, r)
	if err == nil && (body.After == nil) == (body.EventID == nil) {
		err = invalidField("after", "give either after (a cursor of the pull feed, or \"0\" for the start) or event_id, not both")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	queued := 1
	if body.EventID != nil {
		// An event id is a UUID; the domain's text rule keeps a NUL or 10 kB
		// from the query.
		if err = (domain.Text{Max: maxEventID}).Check("event_id", *body.EventID); err == nil {
			err = a.Store.ReplayDelivery(r.Context(), tenantOf(r), webhookOf(r), *body.EventID)
		}
	} else {
		var after eventstore.Position
		if *body.After != "" && *body.After != "0" {
			if after, err = eventstore.ParsePosition(*body.After); err != nil {
				err = invalidField("after", "after must be a cursor of the pull feed, passed as it is, or \"0\" for the start")
			}
		}
		if err == nil {
			queued, err = a.Store.Replay(r.Context(), tenantOf(r), webhookOf(r), after)
		}
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"queued": queued})
}

func invalidField(field, format string, args ...any) error {
	return domain.InvalidField(field, format, args...)
}
