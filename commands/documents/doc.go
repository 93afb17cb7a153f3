// Package documents holds the resources of API.md that the read API and
// the write API both answer with — User, Tenant, Team and WorkItem — each
// rendered by one function from the domain's vocabulary, so that a user
// reads the same from a list, a command's reply, a login or a point in the
// past, and the rules of showing one (a deleted person, the seats still
// available) are written once. It imports the domain only: the read
// models and the write model each hand over what they know.
package documents
