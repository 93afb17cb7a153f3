// Package users is the users read model: one row per user with role, kind,
// status (the Active, Inactive, Blocked, Invited and Deleted tabs), teams
// and the teams they lead, name and e-mail for search — "Deleted user" and
// no e-mail once the person is erased — the user's version for If-Match,
// and the two instants inactivity counts from: the latest login and the
// latest transition into active.
package users
