package users

// CapabilitiesSQL is the SELECT list of the three capability rules over
// the columns status, kind and policy (for the test that holds them equal
// to domain.Policy's).
var CapabilitiesSQL = canLoginSQL("status", "policy") + ", " + assignableSQL("status", "kind") + ", " +
	consumesSeatSQL("status", "kind", "policy")
