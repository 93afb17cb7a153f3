package domain

import (
	"encoding/json"
	"fmt"
	"time"
)

// SnapshotSchemaVersion is the version of MarshalSnapshot's format. A
// snapshot of another version is refused by UnmarshalSnapshot; the caller
// then replays the stream from the start, which is always correct.
const SnapshotSchemaVersion = 4

// snapshot is the persisted form: only the facts. Indexes and counters are
// derived again on load, so that a snapshot can never carry them stale.
type snapshot struct {
	Schema    int            `json:"schema"`
	Created   bool           `json:"created"`
	Tenant    TenantID       `json:"tenant"`
	Name      string         `json:"name"`
	Preset    string         `json:"preset"`
	Policy    Policy         `json:"policy"`
	Seats     int            `json:"seats"`
	Version   int64          `json:"version"`
	Settings  int64          `json:"settings_version"`
	Users     []snapshotUser `json:"users"`
	Teams     []snapshotTeam `json:"teams"`
	Items     []snapshotItem `json:"items"`
	Blocklist []string       `json:"blocklist"`
	// Connections: since schema 3; users' external ids and profiles since 4.
	Connections []snapshotConnection `json:"connections"`
}

type snapshotConnection struct {
	ID          ConnectionID    `json:"id"`
	Name        string          `json:"name"`
	TokenDigest string          `json:"token_digest"`
	GroupRoles  map[string]Role `json:"group_roles,omitempty"`
	GrantsOwner bool            `json:"grants_owner,omitempty"`
	Revoked     bool            `json:"revoked,omitempty"`
	CreatedAt   int64           `json:"created_at"`
}

type snapshotUser struct {
	ID                   UserID    `json:"id"`
	Role                 Role      `json:"role"`
	Kind                 Kind      `json:"kind"`
	Status               Status    `json:"status"`
	PreviousStatus       Status    `json:"previous_status,omitempty"`
	EmailIndex           string    `json:"email_index,omitempty"`
	ExternalIDIndex      string    `json:"external_id_index,omitempty"`
	ProfileAt            int64     `json:"profile_at"`
	Version              int64     `json:"version"`
	RevokedBefore        time.Time `json:"revoked_before"`
	KeptSession          string    `json:"kept_session,omitempty"`
	ReactivateOnPurchase bool      `json:"reactivate_on_purchase,omitempty"`
	CreatedAt            int64     `json:"created_at"`
	CredentialsAt        int64     `json:"credentials_at"`
	LastAt               int64     `json:"last_at"`
	LastLoginAt          time.Time `json:"last_login_at,omitzero"`
}

type snapshotTeam struct {
	ID      TeamID   `json:"id"`
	Name    string   `json:"name"`
	Leader  UserID   `json:"leader,omitempty"`
	Members []UserID `json:"members"`
}

type snapshotItem struct {
	ID       WorkItemID `json:"id"`
	Kind     string     `json:"kind"`
	Assignee UserID     `json:"assignee,omitempty"`
	LastAt   int64      `json:"last_at"`
}

// MarshalSnapshot encodes the state as JSON, deterministically (sorted), for
// a snapshot store. It holds no personal data, only e-mail blind indexes.
func (s *Tenant) MarshalSnapshot() ([]byte, error) {
	snap := snapshot{
		Schema: SnapshotSchemaVersion, Created: s.created, Tenant: s.id, Name: s.name,
		Preset: s.preset, Policy: s.policy.normalized(), Seats: s.seats, Version: s.version, Settings: s.settingsAt,
		Users: []snapshotUser{}, Teams: []snapshotTeam{}, Items: []snapshotItem{},
		Blocklist: sortedKeys(s.blocklist), Connections: []snapshotConnection{},
	}
	for _, id := range sortedKeys(s.connections) {
		c := s.connections[id]
		snap.Connections = append(snap.Connections, snapshotConnection{
			ID: id, Name: c.name, TokenDigest: c.tokenDigest, GroupRoles: c.groupRoles, GrantsOwner: c.grantsOwner, Revoked: c.revoked, CreatedAt: c.createdAt,
		})
	}
	for _, id := range sortedKeys(s.users) {
		u := s.users[id]
		snap.Users = append(snap.Users, snapshotUser{
			ID: id, Role: u.role, Kind: u.kind, Status: u.status, PreviousStatus: u.prevStatus,
			EmailIndex: u.emailIndex, ExternalIDIndex: u.externalIDIndex, ProfileAt: u.profileAt, Version: u.version, RevokedBefore: u.revokedBefore,
			KeptSession: u.keptSession, ReactivateOnPurchase: u.reactivateOnPurchase,
			CreatedAt: u.createdAt, CredentialsAt: u.credentialsAt, LastAt: u.lastAt, LastLoginAt: u.lastLoginAt,
		})
	}
	for _, id := range sortedKeys(s.teams) {
		t := s.teams[id]
		snap.Teams = append(snap.Teams, snapshotTeam{ID: id, Name: t.name, Leader: t.leader, Members: sortedKeys(t.members)})
	}
	for _, id := range sortedKeys(s.items) {
		it := s.items[id]
		snap.Items = append(snap.Items, snapshotItem{ID: id, Kind: it.kind, Assignee: it.assignee, LastAt: it.lastAt})
	}
	return json.Marshal(snap)
}

// UnmarshalSnapshot rebuilds a Tenant, indexes and counters included, from
// MarshalSnapshot's output. It refuses another SnapshotSchemaVersion.
func UnmarshalSnapshot(data []byte) (*Tenant, error) {
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, fmt.Errorf("domain: snapshot: %w", err)
	}
	if snap.Schema != SnapshotSchemaVersion {
		return nil, fmt.Errorf("domain: snapshot schema %d, this build reads %d", snap.Schema, SnapshotSchemaVersion)
	}
	s := &Tenant{
		created: snap.Created, id: snap.Tenant, name: snap.Name, preset: snap.Preset,
		policy: snap.Policy.withOwnersManaging(), seats: snap.Seats, version: snap.Version, settingsAt: snap.Settings,
	}
	s.initMaps()
	for _, su := range snap.Users {
		s.restoreUser(su)
	}
	for _, st := range snap.Teams {
		s.teams[st.ID] = &team{name: st.Name, leader: st.Leader}
		for _, m := range st.Members {
			evolveTeamJoined(s, TeamJoined{Team: st.ID, User: m})
		}
	}
	for _, si := range snap.Items {
		s.items[si.ID] = &workItem{kind: si.Kind, lastAt: si.LastAt}
		s.assignItem(si.ID, si.Assignee)
	}
	for _, idx := range snap.Blocklist {
		s.blocklist[idx] = struct{}{}
	}
	for _, c := range snap.Connections {
		s.changeConnections()
		s.connections[c.ID] = &scimConnection{
			name: c.Name, tokenDigest: c.TokenDigest, groupRoles: c.GroupRoles, grantsOwner: c.GrantsOwner, revoked: c.Revoked, createdAt: c.CreatedAt,
		}
	}
	return s, nil
}

func (s *Tenant) restoreUser(su snapshotUser) {
	u := &user{
		role: su.Role, kind: su.Kind, status: su.Status, prevStatus: su.PreviousStatus,
		emailIndex: su.EmailIndex, profileAt: su.ProfileAt, version: su.Version, revokedBefore: su.RevokedBefore,
		keptSession: su.KeptSession, reactivateOnPurchase: su.ReactivateOnPurchase,
		createdAt: su.CreatedAt, credentialsAt: su.CredentialsAt, lastAt: su.LastAt, lastLoginAt: su.LastLoginAt,
	}
	s.users[su.ID] = u
	if u.status != StatusDeleted && u.emailIndex != "" {
		s.emails[u.emailIndex] = su.ID
	}
	s.indexExternalID(su.ID, u, su.ExternalIDIndex)
	s.tally(u, +1)
}
