// Package contract checks the traffic between an adapter and a fake of its
// vendor's server against the vendor's own OpenAPI document.
package contract
