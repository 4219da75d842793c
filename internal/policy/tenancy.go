package policy

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// ServesNamespace reports whether a ClusterAuthServer with spec serves the
// OAuthClients of the namespace called name with the labels nsLabels. With
// neither namespaceSelector nor namespaces set it serves every namespace;
// otherwise a namespace named in namespaces or matched by namespaceSelector.
// The error says why not, naming the server's fields; it is an error too
// when the selector cannot be read.
func ServesNamespace(server string, spec *v1alpha1.AuthServerSpec, name string, nsLabels map[string]string) error {
	sel, names := spec.NamespaceSelector, spec.Namespaces
	if sel == nil && len(names) == 0 {
		return nil
	}
	if slices.Contains(names, name) {
		return nil
	}
	var why []string
	if sel != nil {
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return fmt.Errorf("ClusterAuthServer %q has a namespaceSelector that cannot be used (%v), so it serves no namespace but those in spec.namespaces", server, err)
		}
		if s.Matches(labels.Set(nsLabels)) {
			return nil
		}
		why = append(why, fmt.Sprintf("its namespaceSelector (%s) does not match the namespace's labels", metav1.FormatLabelSelector(sel)))
	}
	if len(names) > 0 {
		why = append(why, fmt.Sprintf("its namespaces (%s) do not name it", strings.Join(names, ", ")))
	}
	return fmt.Errorf("ClusterAuthServer %q does not serve namespace %q: %s; ask the server's owners to admit the namespace, or use another server", server, name, strings.Join(why, " and "))
}

// CheckClientPolicy lists every field and value of oac that the server's
// client policy refuses, one message each naming the field, the value and
// the policy field; none when p is nil or oac complies.
func CheckClientPolicy(p *v1alpha1.ClientPolicy, oac *v1alpha1.OAuthClient) []string {
	if p == nil {
		return nil
	}
	s := oac.Spec
	var out []string
	refuse := func(field, value, policyField string, allowed []string) {
		out = append(out, fmt.Sprintf("spec.%s %q is not allowed by clientPolicy.%s (%s)", field, value, policyField, strings.Join(allowed, ", ")))
	}
	grants := s.GrantTypes
	if len(grants) == 0 {
		grants = []string{"client_credentials"}
	}
	if len(p.GrantTypes) > 0 {
		for i, g := range grants {
			if !slices.Contains(p.GrantTypes, g) {
				refuse(fmt.Sprintf("grantTypes[%d]", i), g, "grantTypes", p.GrantTypes)
			}
		}
	}
	if len(p.Scopes) > 0 {
		for i, sc := range s.Scopes {
			if !matchAny(p.Scopes, sc, globMatch) {
				refuse(fmt.Sprintf("scopes[%d]", i), sc, "scopes", p.Scopes)
			}
		}
	}
	if len(p.Audiences) > 0 {
		for i, a := range s.Audience {
			if !matchAny(p.Audiences, a, globMatch) {
				refuse(fmt.Sprintf("audience[%d]", i), a, "audiences", p.Audiences)
			}
		}
	}
	if len(p.RedirectURIs) > 0 {
		for i, u := range s.RedirectURIs {
			if !matchAny(p.RedirectURIs, u, RedirectURIMatches) {
				refuse(fmt.Sprintf("redirectURIs[%d]", i), u, "redirectURIs", p.RedirectURIs)
			}
		}
	}
	public := IsPublic(oac)
	if public && p.AllowPublicClients != nil && !*p.AllowPublicClients {
		out = append(out, `spec.tokenEndpointAuthMethod "none" (a public client) is not allowed by clientPolicy.allowPublicClients (false)`)
	}
	if limit := p.MaxRotationInterval; limit != nil && !public {
		switch interval := IntervalOf(oac); {
		case interval <= 0:
			out = append(out, fmt.Sprintf("spec.rotation.interval is required by clientPolicy.maxRotationInterval (at most %s)", limit.Duration))
		case interval > limit.Duration:
			out = append(out, fmt.Sprintf("spec.rotation.interval %q is longer than clientPolicy.maxRotationInterval (%s)", interval, limit.Duration))
		}
	}
	return out
}

// CheckAudience refuses spec.audience at a server whose adapter cannot
// register one, instead of ignoring it (provider is the adapter's name).
func CheckAudience(oac *v1alpha1.OAuthClient, caps provider.Capabilities, providerName string) error {
	if len(oac.Spec.Audience) == 0 || caps.Audience {
		return nil
	}
	return fmt.Errorf("spec.audience: the %s adapter cannot register an audience at its server, so the client would get tokens for any audience the server picks; remove spec.audience or use a server that supports it (docs/providers)", providerName)
}

func matchAny(patterns []string, value string, match func(pattern, value string) bool) bool {
	for _, p := range patterns {
		if match(p, value) {
			return true
		}
	}
	return false
}

// globMatch reports whether value matches pattern, in which * stands for
// any run of characters (none included) and everything else for itself.
func globMatch(pattern, value string) bool {
	return globMatchWith(pattern, ".*", value)
}

// globMatchWith reports whether value matches pattern, with * standing for
// star (a regular expression), anchored at both ends. A pattern that is not
// valid UTF-8 matches nothing: a regular expression cannot hold it, and
// nothing a manifest may hold is written that way.
func globMatchWith(pattern, star, value string) bool {
	if !utf8.ValidString(pattern) {
		return false
	}
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, star) + "$").MatchString(value)
}

// hostStar is what * stands for in the host of a redirect URI pattern: DNS
// name characters, so it cannot reach into user info, a port or a path.
const hostStar = `[A-Za-z0-9.-]*`

// RedirectURIMatches reports whether uri matches a redirect URI pattern
// such as https://*.apps.example.com/*: the same scheme; the host and port
// matching the pattern's, where * stands for letters, digits, '-' and '.';
// the rest (path, query) matching the pattern's rest, where * stands for
// anything. A URI with user info never matches.
func RedirectURIMatches(pattern, uri string) bool {
	scheme, rest, ok := strings.Cut(pattern, "://")
	if !ok {
		return false
	}
	hostPattern, pathPattern := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		hostPattern, pathPattern = rest[:i], rest[i:]
	}
	u, err := url.Parse(uri)
	if err != nil || u.User != nil || u.Opaque != "" || !strings.EqualFold(u.Scheme, scheme) ||
		!strings.HasPrefix(strings.ToLower(uri), strings.ToLower(u.Scheme)+"://") {
		return false
	}
	authority, after := uri[len(u.Scheme)+len("://"):], ""
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority, after = authority[:i], authority[i:]
	}
	if authority != u.Host {
		// Escapes in the host: not something a pattern should admit.
		return false
	}
	return globMatchWith(strings.ToLower(hostPattern), hostStar, strings.ToLower(authority)) &&
		globMatchWith(pathPattern, ".*", after)
}
