// Package fakeauth is what fakes of authorization servers share where the
// RFCs make every server alike: reading a client's credentials at the
// token endpoint (RFC 6749 §2.3.1); the signed JWTs that clients send as
// assertions (RFC 7523) or federated tokens: the JWS compact serialization
// (RFC 7515) and the RS256 and ES256 signatures (RFC 7518 §3.3, §3.4); and
// the switch that refuses a fake's next requests as rate limited, with
// Retry-After (RFC 6585 §4). What a server wants beyond that (which
// audience, a lifetime, a jti, how it answers a refusal) stays in each
// fake, as its vendor documents it.
package fakeauth
