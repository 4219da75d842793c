// Package contract checks the traffic between an adapter and a fake of its
// vendor's server against the vendor's own OpenAPI document (../shared/specs),
// so that a fake cannot drift from the real API. It wraps kin-openapi's
// openapi3filter and gorilla/mux router.
//
// An adapter test wraps its fake, once:
//
//	spec := contract.Load(t, "keycloak/openapi-26.6.0.json",
//		// Keycloak answers 404 for an unknown client; its document does not say so.
//		contract.AllowStatus("GET", "/admin/realms/{realm}/clients/{client-uuid}", 404),
//		// The fake also serves the token endpoint, which the admin document lacks.
//		contract.Outside("POST", "/realms/{realm}/protocol/openid-connect/token"))
//	srv := httptest.NewServer(spec.Handler(t, newFake()))
//	defer srv.Close()
//	p := keycloak.New(srv.URL, ...) // the adapter, talking to srv as usual
//	providertest.Run(t, providertest.Harness{New: ...})
//
// Every exchange is then checked, and each violation fails t, naming the
// document, the operation, the request line and the problem:
//
//	contract violation: keycloak/openapi-26.6.0.json: POST /admin/realms/{realm}/clients,
//	sent POST /admin/realms/r1/clients: request: request body: doesn't match schema
//	#/components/schemas/ClientRepresentation: at "/enabled": value must be a boolean
//
// "request:" is the adapter's fault, "response:" the fake's. Requests and
// responses pass through unchanged, so the adapter sees what the fake said.
// Use Spec.Transport around the adapter's HTTP client instead when the fake
// is not yours to wrap.
//
// # What is checked
//
// A request must match an operation of the document below the base path
// (an unknown path or method is a violation), and its path, query and header
// parameters and its body must match their schemas (required fields, types,
// enums, lengths, bounds, patterns, readOnly fields sent in a request, and
// additionalProperties where the document forbids them). A response's status
// must be documented (itself, by range such as 2XX, or by "default"), and its
// documented headers and its body must match. A 204 has no body to check
// (RFC 9110), whatever content the document lists for it.
//
// # What is not checked
//
//   - Security: the fake's authentication is not the point. Requests pass
//     whatever credentials they carry, or none (a no-op authenticator).
//   - What the document leaves open: undocumented query parameters, headers
//     and cookies, and fields the schema does not forbid, pass.
//   - Formats other than date, date-time and byte (kin-openapi's defaults),
//     such as uuid, uri, email or Auth0's own (client-id, strict-https-uri):
//     Format adds a check for one Spec.
//   - Patterns Go's regexp (RE2) cannot run, with lookahead, lookbehind or
//     backreferences: they match everything; UncheckedPatterns lists them.
//   - HEAD requests, and 301, 304, 307 and 308 responses (kin-openapi).
//
// # Loading
//
// Load reads OpenAPI 3.0 and 3.1 in JSON or YAML, and Swagger 2.0, which it
// converts to OpenAPI 3 (openapi2conv). Each file is parsed once per test
// binary and shared; options belong to each Spec. Parsing takes most of the
// time of a test using this package: about 0.7 to 2 s for the 3.5 MB Okta
// and Auth0 files, 0.1 to 0.5 s for Keycloak, tens of milliseconds for the
// others. The base path defaults to the path of the document's first server
// (/api/v2 for Auth0, /v1.0 for Microsoft Graph, /t/{tenant-domain}/api/server/v1
// for WSO2, the Swagger basePath for WSO2 DCR, nothing for Keycloak, Okta
// and Hydra, whose paths are complete); BasePath changes it. The host is
// never matched: the fake runs on 127.0.0.1.
//
// Load repairs, in memory, defects of the vendor files that make a document
// invalid or a valid request unroutable, and Spec.Repairs lists what it did:
// an empty info.version (Hydra) is set; "type: array" without items (Okta
// management) gets items {}, which is what an absent items means; a path
// parameter not marked required (Okta's GET /api/v1/hook-keys/{id}) is made
// required; a path parameter whose name is not in the path (WSO2 DCR's
// client_name on GET /register, which the vendor's own sample sends as
// ?client_name=) becomes a query parameter. Examples, defaults and patterns
// are not validated as part of the document: several vendors' are wrong.
//
// # Allowances
//
// Allowances are per test and name one operation; an allowance for an
// operation the document lacks, or one that is not needed, fails Load.
// AllowStatus accepts an undocumented status (Keycloak's 404s, WSO2 DCR's
// 404 on lookup); AllowAnyBody a documented status whose body the document
// does not describe; AllowNulls null for members not declared nullable (both
// seen with real Hydra, which a Spec can check too, through Transport).
// AllowInvalidRequest lets a test send a request the document forbids on
// purpose, to see the server refuse it; the refusal is checked. Outside
// passes through a path the document does not describe (a token endpoint).
// There is no blanket switch.
//
// # OpenAPI 3.1 (Auth0)
//
// kin-openapi v0.153.0 loads Auth0's 3.1.0 Management API document (1 server,
// 245 paths, 452 operations) and routes it. Checked, as in 3.0: types,
// required, enums, lengths, bounds, additionalProperties (false on Auth0's
// create and update bodies, so unknown fields are refused), plus the 3.1
// forms: type arrays such as [integer, "null"] admit null and still check the
// other type, a plain type refuses null, and const (JSON Schema 2020-12
// validator). Not checked:
//
//   - 5 patterns with lookahead, used in 29 places: ^(?!.*\x00)\S(.*\S)?$
//     on names and descriptions (experimentation API), ^(?:(?!org_))... on
//     organization names, an https-URL rule, a hostname and a domain
//     template. RE2 cannot run them, so they match anything. None is on a
//     client or client-grant operation.
//   - 57 of the document's 59 formats, Auth0's own (client-id,
//     absolute-https-uri-or-empty, ...) and common ones (uri, email, ipv4):
//     unknown to kin-openapi; Format adds a check.
//   - application/x-www-form-urlencoded bodies, which the document offers
//     beside JSON: kin-openapi cannot decode a form into a schema with
//     object-valued properties (POST /clients fails to decode); send JSON.
//   - Security (bearerAuth), as everywhere.
//
// kin-openapi's 3.1 path compiles a JSON Schema 2020-12 validator for every
// message, then, for a schema with references and no 2020-12 keyword, falls
// back to its OpenAPI 3.0 validator: about 35 ms of CPU per Auth0 message.
// The Spec sends such operations to that validator directly (same verdicts,
// type arrays and numeric exclusive bounds included); only operations whose
// schemas use a keyword it skips (const, if/then/else, prefixItems, contains,
// dependent*, unevaluated*, propertyNames, patternProperties, $defs) or
// "nullable" take the 2020-12 path: in Auth0's document only GET /stats/daily.
//
// # Per vendor
//
//   - Keycloak (openapi-26.6.0.json): no servers, paths start at /admin/realms.
//     Few errors are documented (GET client: 200 and 403 only), so 404s need
//     AllowStatus. ClientRepresentation has no required field.
//   - Okta (management-minimal.yaml): an app is checked against the base
//     Application schema; its discriminator mapping to OpenIdConnectApplication
//     has no oneOf, so credentials and settings pass unchecked. Read-only
//     fields (id, created, _links...) are refused in requests: a PUT must not
//     echo a GET.
//   - Hydra (api-v2.3.0.json, api.json for master): every operation has a
//     default error response, so every status is documented; v2.3.0 has no
//     /admin/clients/{id}/secrets/rotate.
//   - WSO2 (applications.yaml): any tenant under /t/{tenant-domain}/api/server/v1.
//     WSO2 DCR (dcr.yaml, Swagger 2.0): BasePath("/t/{tenant}/api/identity/oauth2/dcr/v1.1")
//     for a tenant; GET /register documents no 404.
//   - Microsoft Graph (the EXTRACTED subset): 2XX and default responses, so
//     every status is documented and errors must be OData errors; key ids and
//     dates are checked by pattern; (appId='...') paths route.
//   - Auth0: see above; errors are documented by status without a body.
//
// # Secrets
//
// Messages never carry bodies or headers. Values that could still reach one
// (kin-openapi quotes a bad parameter value; the 2020-12 validator quotes
// values) are removed when they come from an Authorization, cookie or
// API-key header, or from a query parameter, form field or JSON field whose
// name looks secret (secret, password, token, assertion, credential,
// private, key, value, ...), and credentials written after an auth scheme
// (Bearer, Basic, SSWS) are removed too.
package contract
