package domain

import "time"

// ReasonPasswordChanged is the reason of the SessionsRevoked that comes with
// every PasswordSet: whoever held the old password may hold a session too.
const ReasonPasswordChanged = "password_changed"

// SessionRef names one session of a user: an opaque reference (never the
// token, nor what the session store looks it up by) and the instant it was
// issued. The domain compares references; it never makes one.
type SessionRef struct {
	Ref      string
	IssuedAt time.Time
}

// SessionAlive reports whether a session of this user, referenced ref and
// issued at issued, survives every revocation so far: it was issued since
// the latest one, or it is the session that revocation kept (the one the
// user changed their password with). Whether the user may log in at all is
// another question (CanLogin).
func (v UserView) SessionAlive(ref string, issued time.Time) bool {
	return sessionAlive(v.SessionsRevokedBefore, v.KeptSession, ref, issued)
}

func (u *user) sessionAlive(s SessionRef) bool {
	return sessionAlive(u.revokedBefore, u.keptSession, s.Ref, s.IssuedAt)
}

func sessionAlive(revokedBefore time.Time, kept, ref string, issued time.Time) bool {
	return !issued.Before(revokedBefore) || ref != "" && ref == kept
}
