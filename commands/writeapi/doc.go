// Package writeapi serves the write endpoints of API.md (tenants, users,
// teams, work, sessions) on chi. It decodes requests strictly (1 MiB bodies,
// unknown fields refused), turns them into commands issued by the calling
// principal, and answers with the affected resource plus "changed" and
// "position". It decides nothing itself: roles, policy and invariants are the
// domain's, token validity is the sessions package's.
//
// # One request, router to reply
//
// A deactivation, POST /v1/tenants/{tenant}/users/{user}/deactivate, with
// a session token this process has seen before, no Idempotency-Key and no
// concurrent writer, goes one way: each package hands on to one below it and
// is re-entered only by returning. Nothing calls back up: not the engine into
// a use case (what a reply shows is a value, execution.Shown), not access into
// the write API (its checks return their refusals), not the event store into
// the engine. cmd/roster only wires: it is on no request's path.
//
// In:
//
//  1. infra/wiring/router.go: Router, the chi router the service serves.
//     ownRequestID drops a client's X-Request-Id, chi gives the request its
//     own, and Recoverer turns a panic into a 500. The command routes' only
//     middleware is this package's CommandMiddleware.
//  2. infra/wiring/metrics.go: requestMetrics.instrument counts and times the
//     request by its route pattern.
//  3. commands/writeapi/authenticate.go: CommandMiddleware admits the request
//     by calling checks that return:
//     - commands/access/paths.go: CheckPath refuses a malformed path id
//     (400) before any token is looked up.
//     - commands/sessions/deferred.go: Service.AuthenticateCommand takes a
//     session it has seen from memory and leaves the session's final check
//     to the command (an execution.SessionCheck).
//     - commands/access/principal.go: BearerToken, Admit (401; 404 on
//     another tenant's paths), CheckTenant (404 for the operator on an
//     unknown tenant), With (the principal in the context).
//  4. commands/writeapi/users.go: deactivateUser builds the domain command
//     from the path, the body (deactivateBody) and If-Match (userCommand).
//  5. commands/writeapi/api.go: command decodes the body
//     (commands/writeapi/decode.go, strictly) and builds the envelope
//     (tenant, request id, key, reason). run hands the envelope, with the
//     session check, to the use case.
//  6. commands/handler.go: Handler.Handle begins the request in the engine,
//     lets the use case prepare its command, executes it and ends it.
//  7. commands/deactivate_user.go: the use case stamps the instant and
//     names what the reply shows (execution.Shown{User}).
//  8. commands/execution/run.go: Engine.Begin checks the envelope (it claims
//     the key when there is one: commands/execution/idempotency.go);
//     Run.Execute and Run.End.
//  9. commands/execution/execute.go: execute queues the request on the
//     tenant's write model, and the first request to take the lock carries
//     out what is queued (group commit, commands/execution/execute_group.go,
//     when more than one is). executeOne takes three named steps:
//     decideOnCurrentState; recheckAgainstTail, only for a decision that
//     stores nothing; appendWithRetry, which backs off on a version
//     conflict.
//     - commands/execution/writemodels.go: the tenant's cached write model
//     (caught up from its stream, snapshotted).
//     - commands/execution/session_check.go: whether the session still holds
//     on that state, and the live session the append depends on.
//     - domain/decide.go, domain/decide_deactivation.go, domain/tenant.go:
//     Decide, pure: who may, the sole owner, team leads, the hand-off.
//     Then Evolve (domain/evolve.go) applies the events to the cached
//     state.
//     - commands/execution/codec.go: the events as the store keeps them.
//  10. infra/personaldata/store.go: Store.AppendWhileLive seals personal
//     data, of which a deactivation carries none, and appends through
//     PostgreSQL.
//  11. infra/pgstore/append.go: Store.AppendWhileLive, the typed append guard
//     (eventstore.SessionGuard). The session's liveness check and the insert
//     at the expected version go in one round trip.
//
// Out, each step having returned:
//
//  12. commands/execution/result.go: Shown.fill takes the user's view from
//     the state after the command.
//  13. commands/writeapi/render.go: renderUser reads the user's profile
//     (commands/execution/profile.go: e-mail, name and instants, cached after
//     the first read) and renders it with
//     commands/documents/user.go: NewUser, the one User document of the read
//     and the write API.
//  14. commands/writeapi/answer.go: writeJSON writes the reply. A refusal
//     goes through access.Answer instead (commands/access/problem.go, the one
//     problem mapper).
//
// That is 27 files in 10 packages: infra/wiring, commands/writeapi,
// commands/access, commands/sessions, commands, commands/execution, domain,
// infra/personaldata, infra/pgstore, commands/documents. It was about 34 files
// in 10 packages, three of them re-entered (commands for authentication,
// execution and rendering) and cmd/roster in the middle of the append.
package writeapi
