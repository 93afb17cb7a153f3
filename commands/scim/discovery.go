package scim

import (
	"log/slog"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// Page sizes of a list: count defaults to defaultCount and is cut to
// maxCount, which ServiceProviderConfig advertises as filter.maxResults.
const (
	defaultCount = 100
	maxCount     = 1000
)

// The schema URIs of the resources served.
const (
	userSchema       = schema.UserSchema
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	groupSchema      = schema.GroupSchema
)

// serverArgs describes the service to the library: what
// /ServiceProviderConfig, /Schemas and /ResourceTypes show, and the
// resource handlers behind /Users and /Groups.
//
// The schemas are the library's RFC 7643 ones, which fit: password is
// writeOnly and returned never, groups readOnly, and externalId is added
// as a common attribute. They list more attributes than Roster keeps
// (title, phoneNumbers, addresses, most of the enterprise extension):
// identity providers send those by default, so they are accepted and
// ignored, while a name no schema has is refused as an invalid path.
//
// The library always advertises etag, bulk, sort and changePassword as
// unsupported, which is so: no If-Match or If-None-Match is honoured,
// though replies carry a weak ETag.
func serverArgs(dir Directory, log *slog.Logger) *scim.ServerArgs {
	return &scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			MaxResults:       maxCount,
			SupportFiltering: true,
			SupportPatch:     true,
			AuthenticationSchemes: []scim.AuthenticationScheme{{
				Type:        scim.AuthenticationTypeOauthBearerToken,
				Name:        "OAuth Bearer Token",
				Description: "The token of the tenant's SCIM connection, as Authorization: Bearer <token>.",
				Primary:     true,
			}},
		},
		ResourceTypes: []scim.ResourceType{userType(users{dir: dir, log: log}), groupType(groups{dir: dir, log: log})},
	}
}

func userType(h scim.ResourceHandler) scim.ResourceType {
	return scim.ResourceType{
		ID:               optional.NewString("User"),
		Name:             "User",
		Description:      optional.NewString("A user of the tenant"),
		Endpoint:         "/Users",
		Schema:           schema.CoreUserSchema(),
		SchemaExtensions: []scim.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}},
		Handler:          h,
	}
}

func groupType(h scim.ResourceHandler) scim.ResourceType {
	return scim.ResourceType{
		ID:          optional.NewString("Group"),
		Name:        "Group",
		Description: optional.NewString("A team of the tenant"),
		Endpoint:    "/Groups",
		Schema:      schema.CoreGroupSchema(),
		Handler:     h,
	}
}
