// Package writeapi serves the write endpoints of API.md (tenants, users,
// teams, work, sessions) on chi. It decodes requests strictly (1 MiB bodies,
// unknown fields refused), turns them into commands issued by the calling
// principal, and answers with the affected resource plus "changed" and
// "position". It decides nothing itself: roles, policy and invariants are the
// domain's, token validity is the sessions package's.
package writeapi
