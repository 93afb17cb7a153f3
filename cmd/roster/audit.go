package main

// auditCmd groups the tools of compliance auditors.
type auditCmd struct {
	Verify auditVerifyCmd `cmd:"" help:"Check the integrity of stored history: every user who is not deleted still has a personal-data key (key loss is reported, never taken for a deletion); with --tenant, also that tenant's audit trail against the event store and its hash chain. Exits 1 when a problem is found."`
	Replay auditReplayCmd `cmd:"" help:"Print a user, or every user of a tenant, as of a past instant, rebuilt from the event store."`
	Export auditExportCmd `cmd:"" help:"Stream a tenant's audit trail to standard output as CSV or JSON Lines."`
}
