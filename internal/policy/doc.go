// Package policy holds the operator's decisions as pure functions over plain
// values: what an OAuthClient's reconcile must do (Decide), whether and why
// a rotation is due, which strategy to use, which replaced clients to
// retire, whether the remote registration drifted, and when to try again.
// Nothing here talks to the API server or an authorization server, so every
// decision is tested in tables that run in milliseconds.
package policy
