// Package config holds Roster's configuration: documented structs whose
// fields are set by command-line flags or ROSTER_* environment variables (the
// struct tags drive kong in cmd/roster), each with a Validate that says
// clearly what is wrong.
package config
