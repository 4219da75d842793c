package v1alpha1

// DynamicRegistrationProvider selects RFC 7591/7592 dynamic registration at
// the registration endpoint the server's metadata advertises (or
// spec.endpoints.registration). It has no settings of its own.
type DynamicRegistrationProvider struct{}
