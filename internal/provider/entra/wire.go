package entra

import (
	"time"
)

// application is an app registration as Graph answers it, reduced to the
// properties the adapter reads or writes. Fields the adapter does not
// send are omitted from requests (omitempty), so Graph keeps its values.
type application struct {
	ID                     string                   `json:"id,omitempty"`
	AppID                  string                   `json:"appId,omitempty"`
	DisplayName            string                   `json:"displayName,omitempty"`
	Description            *string                  `json:"description,omitempty"`
	UniqueName             string                   `json:"uniqueName,omitempty"`
	SignInAudience         string                   `json:"signInAudience,omitempty"`
	Tags                   []string                 `json:"tags,omitempty"`
	Web                    *redirects               `json:"web,omitempty"`
	PublicClient           *redirects               `json:"publicClient,omitempty"`
	IsFallbackPublicClient *bool                    `json:"isFallbackPublicClient,omitempty"`
	RequiredResourceAccess []requiredResourceAccess `json:"requiredResourceAccess,omitempty"`
	PasswordCredentials    []passwordCredential     `json:"passwordCredentials,omitempty"`

	// rawWeb and rawPublic are web and publicClient as Graph answered
	// them, so an update keeps what the adapter does not manage.
	rawWeb, rawPublic map[string]any
}

// redirects is Graph's webApplication or publicClientApplication, of
// which the adapter manages the redirect URIs.
type redirects struct {
	RedirectURIs []string `json:"redirectUris"`
}

// requiredResourceAccess declares the permissions the app needs on one
// resource API.
type requiredResourceAccess struct {
	ResourceAppID  string           `json:"resourceAppId"`
	ResourceAccess []resourceAccess `json:"resourceAccess"`
}

// resourceAccess is one permission: an app role ("Role") or a delegated
// scope ("Scope").
type resourceAccess struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// passwordCredential is a client secret of an application. SecretText is
// set only in the answer of addPassword.
type passwordCredential struct {
	KeyID         string     `json:"keyId,omitempty"`
	DisplayName   string     `json:"displayName,omitempty"`
	SecretText    string     `json:"secretText,omitempty"`
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	EndDateTime   *time.Time `json:"endDateTime,omitempty"`
}

// servicePrincipal is an application's identity in the tenant: the object
// that signs in, is switched off, and holds app role assignments.
type servicePrincipal struct {
	ID                    string    `json:"id,omitempty"`
	AppID                 string    `json:"appId,omitempty"`
	AccountEnabled        *bool     `json:"accountEnabled,omitempty"`
	ServicePrincipalNames []string  `json:"servicePrincipalNames,omitempty"`
	AppRoles              []appRole `json:"appRoles,omitempty"`
	Tags                  []string  `json:"tags,omitempty"`
}

// appRole is an app role a resource API declares.
type appRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	IsEnabled          bool     `json:"isEnabled"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
}

// appRoleAssignment grants a principal an app role of a resource.
type appRoleAssignment struct {
	ID          string `json:"id,omitempty"`
	PrincipalID string `json:"principalId"`
	ResourceID  string `json:"resourceId"`
	AppRoleID   string `json:"appRoleId"`
}

// page is one page of a Graph collection.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink,omitempty"`
}

// appSelect are the application properties Observe and List read.
const appSelect = "id,appId,displayName,description,uniqueName,tags,web,publicClient,isFallbackPublicClient,requiredResourceAccess,passwordCredentials"
