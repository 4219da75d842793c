package providertest_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// memoryServer is a fake authorization server in memory, the example
// adapter's server: a management API guarded by one token, and a token
// check standing in for its token endpoint. It can do everything an
// adapter may claim, with maxSecrets secrets valid at once during an
// overlap and every secret expiring after secretLifetime.
type memoryServer struct {
	mu         sync.Mutex
	management string
	clients    map[string]*memoryClient
	n          int
}

const (
	maxSecrets     = 2
	secretLifetime = 24 * time.Hour
)

type memoryClient struct {
	owner   string
	spec    provider.ClientSpec
	secrets []memorySecret // valid secrets, newest last
	enabled bool
}

type memorySecret struct {
	value   string
	expires time.Time
}

func newMemoryServer(management string) *memoryServer {
	return &memoryServer{management: management, clients: map[string]*memoryClient{}}
}

func staticToken(token string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})
}

var errUnknownClient = &provider.Error{Kind: provider.KindNotFound, Description: "no such client"}

// begin locks the server and checks the management token.
func (s *memoryServer) begin(token string) error {
	s.mu.Lock()
	if token != s.management {
		s.mu.Unlock()
		return provider.Errorf(provider.KindUnauthorized, "the management token is not accepted")
	}
	return nil
}

func (s *memoryServer) end() { s.mu.Unlock() }

// lookup is begin, and the client id; the lock is held only without an
// error.
func (s *memoryServer) lookup(token, id string) (*memoryClient, error) {
	if err := s.begin(token); err != nil {
		return nil, err
	}
	c, ok := s.clients[id]
	if !ok {
		s.end()
		return nil, errUnknownClient
	}
	return c, nil
}

// view is what the server answers about c.
func (c *memoryClient) view(id string) provider.Client {
	spec := c.spec
	spec.ClientID, spec.ClientSecret = "", ""
	spec.GrantTypes, spec.Scopes, spec.RedirectURIs = slices.Clone(spec.GrantTypes), slices.Clone(spec.Scopes), slices.Clone(spec.RedirectURIs)
	spec.Extra = maps.Clone(spec.Extra)
	newest := c.secrets[len(c.secrets)-1]
	return provider.Client{ClientID: id, ClientSecret: newest.value, SecretExpiresAt: newest.expires, Spec: spec, Enabled: c.enabled}
}

func newSecret(value string) memorySecret {
	if value == "" {
		value = rand.Text()
	}
	return memorySecret{value: value, expires: time.Now().Add(secretLifetime).Truncate(time.Second)}
}

func validate(spec provider.ClientSpec) error {
	for _, u := range spec.RedirectURIs {
		if p, err := url.Parse(u); err != nil || p.Fragment != "" || !p.IsAbs() {
			return provider.Errorf(provider.KindInvalidMetadata, "redirect URI %q must be absolute and have no fragment", u)
		}
	}
	return nil
}

func (s *memoryServer) create(token, owner string, spec provider.ClientSpec) (provider.Client, error) {
	if err := s.begin(token); err != nil {
		return provider.Client{}, err
	}
	defer s.end()
	if err := validate(spec); err != nil {
		return provider.Client{}, err
	}
	id := spec.ClientID
	if id == "" {
		s.n++
		id = fmt.Sprintf("client-%04d", s.n)
	}
	if c, taken := s.clients[id]; taken {
		if owner == "" || c.owner != owner {
			return provider.Client{}, provider.Errorf(provider.KindConflict, "client ID %q is taken by another owner", id)
		}
		// A retry of a create this owner made: take the client over.
		c.spec, c.secrets, c.enabled = spec, []memorySecret{newSecret(spec.ClientSecret)}, true
		return c.view(id), nil
	}
	c := &memoryClient{owner: owner, spec: spec, secrets: []memorySecret{newSecret(spec.ClientSecret)}, enabled: true}
	s.clients[id] = c
	return c.view(id), nil
}

func (s *memoryServer) get(token, id string) (provider.Client, error) {
	c, err := s.lookup(token, id)
	if err != nil {
		return provider.Client{}, err
	}
	defer s.end()
	return c.view(id), nil
}

func (s *memoryServer) update(token, id string, spec provider.ClientSpec) (provider.Client, error) {
	c, err := s.lookup(token, id)
	if err != nil {
		return provider.Client{}, err
	}
	defer s.end()
	if err := validate(spec); err != nil {
		return provider.Client{}, err
	}
	c.spec = spec
	out := c.view(id)
	out.ClientSecret, out.SecretExpiresAt = "", time.Time{} // an update does not answer with the secret
	return out, nil
}

func (s *memoryServer) delete(token, id string) error {
	if err := s.begin(token); err != nil {
		return err
	}
	defer s.end()
	delete(s.clients, id)
	return nil
}

func (s *memoryServer) rotate(token, id string, overlap bool) (provider.Client, error) {
	c, err := s.lookup(token, id)
	if err != nil {
		return provider.Client{}, err
	}
	defer s.end()
	switch {
	case !overlap:
		c.secrets = []memorySecret{newSecret("")}
	case len(c.secrets) >= maxSecrets:
		return provider.Client{}, provider.Errorf(provider.KindConflict, "the client has %d secrets already; revoke the old ones first", maxSecrets)
	default:
		c.secrets = append(c.secrets, newSecret(""))
	}
	return c.view(id), nil
}

func (s *memoryServer) revoke(token, id string) error {
	c, err := s.lookup(token, id)
	if err != nil {
		return err
	}
	defer s.end()
	c.secrets = c.secrets[len(c.secrets)-1:]
	return nil
}

func (s *memoryServer) setEnabled(token, id string, enabled bool) error {
	c, err := s.lookup(token, id)
	if err != nil {
		return err
	}
	defer s.end()
	c.enabled = enabled
	return nil
}

// list answers a page of the clients of owner (all when empty) in ID
// order, after the ID page names: a page token that survives deletions.
func (s *memoryServer) list(token, owner, page string, size int) ([]provider.Client, string, error) {
	if err := s.begin(token); err != nil {
		return nil, "", err
	}
	defer s.end()
	var out []provider.Client
	for _, id := range slices.Sorted(maps.Keys(s.clients)) {
		c := s.clients[id]
		if id <= page || (owner != "" && c.owner != owner) {
			continue
		}
		if len(out) == size {
			return out, out[len(out)-1].ClientID, nil
		}
		v := c.view(id)
		v.ClientSecret, v.SecretExpiresAt = "", time.Time{}
		out = append(out, v)
	}
	return out, "", nil
}

// token stands in for the token endpoint: nil when the client exists, is
// enabled, holds secret among its valid ones and may ask for scope.
func (s *memoryServer) token(_ context.Context, id, secret, scope string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || !c.enabled {
		return errors.New("invalid_client")
	}
	if !slices.ContainsFunc(c.secrets, func(v memorySecret) bool { return v.value == secret && time.Now().Before(v.expires) }) {
		return errors.New("invalid_client")
	}
	for sc := range strings.FieldsSeq(scope) {
		if !slices.Contains(c.spec.Scopes, sc) {
			return fmt.Errorf("invalid_scope: %s", sc)
		}
	}
	return nil
}
