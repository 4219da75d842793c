// Package dynamicregistration manages OAuth clients at any authorization
// server that implements OAuth 2.0 Dynamic Client Registration (RFC 7591)
// and its management protocol (RFC 7592).
//
// Create registers at the registration endpoint, authenticated by the
// management token (an initial access token) when one is configured. The
// server's registration access token and client configuration URI are kept
// in the opaque State and authenticate every later call. RFC 7591/7592 has no
// standard secret rotation, disable switch, listing, caller-chosen client ID
// or caller-supplied secret, so the adapter offers none of those
// capabilities: the controller replaces a client to rotate its secret and
// deletes it to disable it.
package dynamicregistration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the provider block name this adapter is registered under.
const Name = "dynamicRegistration"

// Keys of the State this adapter keeps. Both values come from the
// registration response (RFC 7592 §3). The access token is a credential.
const (
	StateRegistrationAccessToken = "registration_access_token"
	StateRegistrationClientURI   = "registration_client_uri"
)

// MaxResponseSize is the largest response body the adapter reads (1 MiB).
const MaxResponseSize = 1 << 20

// adapter is the RFC 7591/7592 Provider.
type adapter struct {
	registration string
	hc           *http.Client
	management   oauth2.TokenSource
}

var _ provider.Factory = New

// New builds the adapter for cfg. It needs cfg.Endpoints.Registration.
func New(_ context.Context, cfg provider.Config) (provider.Provider, error) {
	if cfg.Endpoints.Registration == "" {
		return nil, provider.Errorf(provider.KindUnsupported,
			"%s: no registration endpoint: the server's metadata has no registration_endpoint and the AuthServer sets none (Endpoints.Registration is empty)", Name)
	}
	u, err := url.Parse(cfg.Endpoints.Registration)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, provider.Errorf(provider.KindInvalidMetadata,
			"%s: registration endpoint %q is not an absolute http(s) URL", Name, cfg.Endpoints.Registration)
	}
	return &adapter{registration: cfg.Endpoints.Registration, hc: provider.HTTPClient(cfg.HTTPClient), management: cfg.Management}, nil
}

// Capabilities reports that RFC 7591/7592 offers none of the optional
// strategies. The secret is not promised to be readable: RFC 7592 §3 lets a
// server leave it out of read responses. Audience is sent, and refused
// when the server does not register it (checkAudience); so is a
// private_key_jwt client's key set (jwks, checkKeySet).
func (a *adapter) Capabilities() provider.Capabilities {
	return provider.Capabilities{Audience: true, KeySet: true}
}

// Create registers a client (RFC 7591 §3.1). A registration the adapter
// cannot use (no client_id, no secret for a secret-based auth method, no
// registration access token) is deleted again where possible and reported as
// an error, so no client is left behind that nobody holds.
func (a *adapter) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	if spec.ClientSecret != "" {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, provider.Errorf(provider.KindUnsupported,
			"RFC 7591 servers issue the client secret themselves; the operator cannot supply one"))
	}
	body, err := metadata(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	var bearer string
	if a.management != nil {
		tok, err := a.management.Token()
		if err != nil {
			return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, tokenError(err))
		}
		if tok.AccessToken == "" {
			return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName,
				provider.Errorf(provider.KindUnauthorized, "the management token source returned an empty token"))
		}
		bearer = tok.AccessToken
	}
	status, header, resp, err := a.send(ctx, http.MethodPost, a.registration, bearer, body)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName,
			statusError(registrationEndpoint, status, header, resp, bearer))
	}
	info, err := parseClientInfo(resp)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName,
			&provider.Error{Kind: provider.KindTransient, Description: "unreadable registration response", Err: err})
	}
	if err := usable(info, spec); err != nil {
		a.discard(info)
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if err := checkAudience(info, spec); err != nil {
		a.discard(info)
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if err := checkKeySet(info, spec); err != nil {
		a.discard(info)
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if !info.needsSecret(spec.TokenEndpointAuthMethod) {
		// A server may issue a secret to a private_key_jwt client (Hydra
		// does); that auth method never uses it, so none is handed out.
		info.ClientSecret = ""
	}
	return provider.Result{
		Client: client(info),
		State: provider.State{
			StateRegistrationAccessToken: info.RegistrationAccessToken,
			StateRegistrationClientURI:   info.RegistrationClientURI,
		},
	}, nil
}

// usable checks that a registration response gives the operator everything it
// needs to hand out and later manage the client. A response without a
// registration access token is KindUnsupported: the server does not implement
// RFC 7592, and registering again would only leave another client behind.
func usable(info clientInfo, spec provider.ClientSpec) error {
	switch {
	case info.ClientID == "":
		return provider.Errorf(provider.KindTransient, "the registration response has no client_id")
	case info.ClientSecret == "" && info.needsSecret(spec.TokenEndpointAuthMethod):
		return provider.Errorf(provider.KindTransient,
			"the registration response for client %q has no client_secret although its token endpoint auth method needs one", info.ClientID)
	case info.RegistrationAccessToken == "" || info.RegistrationClientURI == "":
		return provider.Errorf(provider.KindUnsupported,
			"the registration response for client %q has no registration_access_token or registration_client_uri, so the client cannot be managed (RFC 7592 §3); remove it at the server", info.ClientID)
	case !isHTTPURL(info.RegistrationClientURI):
		return provider.Errorf(provider.KindUnsupported,
			"the registration response for client %q has a registration_client_uri that is not an absolute http(s) URL; remove the client at the server", info.ClientID)
	}
	return nil
}

// discard deletes a registration the adapter will not hand out, when the
// response gave the means to. It is best effort: its failure is not the
// caller's error.
func (a *adapter) discard(info clientInfo) {
	if info.RegistrationAccessToken == "" || !isHTTPURL(info.RegistrationClientURI) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), provider.DefaultTimeout)
	defer cancel()
	_, _, _, _ = a.send(ctx, http.MethodDelete, info.RegistrationClientURI, info.RegistrationAccessToken, nil)
}

// Observe reads the client (RFC 7592 §2.1).
func (a *adapter) Observe(ctx context.Context, clientID string, state provider.State) (provider.Client, error) {
	uri, rat, err := fromState(clientID, state)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	info, err := a.manage(ctx, http.MethodGet, clientID, uri, rat, nil)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	return client(info), nil
}

// Update replaces the client's metadata with spec (RFC 7592 §2.2: the full
// metadata, with client_id). Metadata the server holds but spec does not
// name falls back to the server's defaults. When the server rotates the
// registration access token, the Result carries the new State.
func (a *adapter) Update(ctx context.Context, clientID string, state provider.State, spec provider.ClientSpec) (provider.Result, error) {
	uri, rat, err := fromState(clientID, state)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	body, err := metadata(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	body[fieldClientID] = clientID
	info, err := a.manage(ctx, http.MethodPut, clientID, uri, rat, body)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	res := provider.Result{Client: client(info)}
	newURI := uri
	if info.RegistrationClientURI != "" && isHTTPURL(info.RegistrationClientURI) {
		newURI = info.RegistrationClientURI
	}
	newRAT := rat
	if info.RegistrationAccessToken != "" {
		newRAT = info.RegistrationAccessToken
	}
	if newURI != uri || newRAT != rat {
		res.State = provider.State{StateRegistrationAccessToken: newRAT, StateRegistrationClientURI: newURI}
	}
	if err := errors.Join(checkAudience(info, spec), checkKeySet(info, spec)); err != nil && res.State == nil {
		// Refused only when no new registration access token came with
		// the answer: an error would lose it, and with it the client.
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	return res, nil
}

// Delete removes the client (RFC 7592 §2.3).
//
// A 404 or 410 means the client is gone. So does a 401: RFC 7592 §2.3 has a
// server answer 401 for a client it does not know (and revoke the token that
// asked). A 401 can also mean the server stopped accepting this client's
// registration access token while keeping the client; that token is the only
// credential RFC 7592 offers to delete it, so no retry could ever succeed and
// treating it as deleted keeps the resource from hanging on its finalizer
// forever. The remote client then stays behind and has to be removed by the
// server's administrator. A 403 (the client may not delete itself) and a 405
// (the server does not support deletion) are errors.
func (a *adapter) Delete(ctx context.Context, clientID string, state provider.State) error {
	uri, rat, err := fromState(clientID, state)
	if err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	status, header, resp, err := a.send(ctx, http.MethodDelete, uri, rat, nil)
	if err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	if provider.Deleted(status) || status == http.StatusUnauthorized {
		return nil
	}
	return fmt.Errorf("deleting client %q: %w", clientID, statusError(configurationEndpoint, status, header, resp, rat))
}

// RotateSecret is unsupported: RFC 7591/7592 defines no secret rotation.
func (a *adapter) RotateSecret(_ context.Context, clientID string, _ provider.State) (provider.Result, error) {
	return provider.Result{}, provider.Errorf(provider.KindUnsupported,
		"rotating the secret of client %q: RFC 7591/7592 servers have no standard secret rotation; replace the client instead", clientID)
}

// SetEnabled is unsupported: RFC 7591/7592 defines no disable switch.
func (a *adapter) SetEnabled(_ context.Context, clientID string, _ provider.State, enabled bool) error {
	return provider.Errorf(provider.KindUnsupported,
		"setting client %q enabled=%t: RFC 7591/7592 servers have no standard disable switch; delete and register again instead", clientID, enabled)
}

// List is unsupported: RFC 7591/7592 defines no way to list or search
// clients, and a server's own way would need its own adapter.
func (a *adapter) List(context.Context, string, string) ([]provider.Client, string, error) {
	return nil, "", provider.Errorf(provider.KindUnsupported,
		"listing clients: RFC 7591/7592 servers have no standard client listing; only clients the operator registered and recorded are managed")
}

// manage makes an RFC 7592 call that answers with client information and
// checks that the answer is about clientID.
func (a *adapter) manage(ctx context.Context, method, clientID, uri, rat string, body any) (clientInfo, error) {
	status, header, resp, err := a.send(ctx, method, uri, rat, body)
	if err != nil {
		return clientInfo{}, err
	}
	if status != http.StatusOK {
		return clientInfo{}, statusError(configurationEndpoint, status, header, resp, rat)
	}
	info, err := parseClientInfo(resp)
	if err != nil {
		return clientInfo{}, &provider.Error{Kind: provider.KindTransient, Description: "unreadable client configuration response", Err: err}
	}
	if info.ClientID != clientID {
		return clientInfo{}, provider.Errorf(provider.KindTransient,
			"the client configuration endpoint answered for client_id %q, not %q", info.ClientID, clientID)
	}
	return info, nil
}

// send makes one HTTP call with an optional JSON body and bearer token and
// returns the status, headers and (size-limited) body. Its error is a typed
// provider error and never holds the token.
func (a *adapter) send(ctx context.Context, method, uri, bearer string, body any) (int, http.Header, []byte, error) {
	r := provider.Request{Method: method, URL: uri, Body: body, MaxAnswer: MaxResponseSize}
	if bearer != "" {
		r.Authorize = func(req *http.Request) (string, error) {
			req.Header.Set("Authorization", "Bearer "+bearer)
			return bearer, nil
		}
	}
	ans, err := provider.Send(ctx, a.hc, r)
	return ans.Status, ans.Header, ans.Body, err
}

// fromState returns the client configuration URI and registration access
// token kept for clientID.
func fromState(clientID string, state provider.State) (uri, rat string, err error) {
	uri, rat = state[StateRegistrationClientURI], state[StateRegistrationAccessToken]
	if uri == "" || rat == "" {
		return "", "", provider.Errorf(provider.KindUnsupported,
			"the state kept for client %q has no %s or %s; RFC 7592 calls need the values the server returned at registration",
			clientID, StateRegistrationClientURI, StateRegistrationAccessToken)
	}
	if !isHTTPURL(uri) {
		return "", "", provider.Errorf(provider.KindUnsupported, "the %s kept for client %q is not an absolute http(s) URL", StateRegistrationClientURI, clientID)
	}
	return uri, rat, nil
}

// client converts a client information response for the controller.
func client(info clientInfo) provider.Client {
	return provider.Client{
		ClientID:        info.ClientID,
		ClientSecret:    info.ClientSecret,
		SecretExpiresAt: info.SecretExpiresAt,
		Spec:            info.Spec,
		Enabled:         true,
	}
}

// isHTTPURL reports whether s is an absolute http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
