// Package teams is the teams read model: one row per team with its name,
// its leader (none once the lead is taken away) and its members, as
// GET /v1/tenants/{tenant}/teams lists them.
package teams
