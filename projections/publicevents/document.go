package publicevents

import (
	"encoding/json"
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"
)

// source is the CloudEvents "source" of a tenant's events: the tenant's
// resource path in the API, a URI-reference unique per tenant.
func source(tenant string) string { return "/v1/tenants/" + tenant }

// render is d as a CloudEvents 1.0 JSON document (API.md's PublicEvent):
// id, source, type, subject, time, the extensions "tenant" and "sequence"
// (d's place in its tenant's stream: increasing for every subject), and
// data.
func render(d *draft) ([]byte, error) {
	ev := event.New(event.CloudEventsVersionV1)
	ev.SetID(d.EventID)
	ev.SetSource(source(string(d.Tenant)))
	ev.SetType(d.Type)
	if d.Subject != "" {
		ev.SetSubject(string(d.Subject))
	}
	ev.SetTime(d.At.UTC())
	ev.SetExtension("tenant", string(d.Tenant))
	ev.SetExtension("sequence", d.Version)
	if err := ev.SetData(event.ApplicationJSON, d.Data); err != nil {
		return nil, fmt.Errorf("publicevents: data of %s: %w", d.EventID, err)
	}
	if err := ev.Validate(); err != nil {
		return nil, fmt.Errorf("publicevents: %s: %w", d.EventID, err)
	}
	return json.Marshal(ev)
}
