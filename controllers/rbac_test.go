package controllers_test

import (
	"os"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// grant is one (API group, resource) pair and the verbs granted on it.
type grant struct {
	group, resource string
}

// wantClusterRole is the operator's whole cluster-wide permission set: what
// the controllers use and nothing more. docs/reliability.md says what each
// line is for. Widening it must be a deliberate change of this table.
var wantClusterRole = map[grant][]string{
	// The Secret cache (label-filtered informer), the check of a delivered
	// Secret the cache does not hold, AuthServer credentials: read. The
	// delivered Secret: server-side apply (patch), update when orphaned,
	// delete. The records: create, update, delete.
	{"", "secrets"}: {"create", "delete", "get", "list", "patch", "update", "watch"},
	// Namespaces: read their labels, for a ClusterAuthServer's
	// namespaceSelector; a label change re-evaluates its clients.
	{"", "namespaces"}: {"get", "list", "watch"},
	// Events about OAuthClients (events.k8s.io recorder: create, then patch
	// for a series).
	{"events.k8s.io", "events"}: {"create", "patch"},
	// Servers: read; patch only to add and remove the finalizer that keeps
	// a server while OAuthClients use it; patch status.
	{"oauth.clientoperator.io", "authservers"}:               {"get", "list", "watch", "patch"},
	{"oauth.clientoperator.io", "clusterauthservers"}:        {"get", "list", "watch", "patch"},
	{"oauth.clientoperator.io", "authservers/status"}:        {"patch"},
	{"oauth.clientoperator.io", "clusterauthservers/status"}: {"patch"},
	// OAuthClients: read, patch the finalizer in and out, patch status; the
	// finalizers subresource lets Secrets carry a blocking ownerReference.
	{"oauth.clientoperator.io", "oauthclients"}:            {"get", "list", "watch", "patch"},
	{"oauth.clientoperator.io", "oauthclients/status"}:     {"patch"},
	{"oauth.clientoperator.io", "oauthclients/finalizers"}: {"update"},
	// spec.rolloutTargets: a merge patch of the pod template annotation, as
	// `kubectl rollout restart` does.
	{"apps", "deployments"}:  {"patch"},
	{"apps", "statefulsets"}: {"patch"},
	{"apps", "daemonsets"}:   {"patch"},
}

// wantLeaderElection is the namespaced Role for leader election.
var wantLeaderElection = map[grant][]string{
	{"coordination.k8s.io", "leases"}: {"create", "delete", "get", "list", "patch", "update", "watch"},
	{"events.k8s.io", "events"}:       {"create", "patch"},
	// client-go's leader election records its event through the core group.
	{"", "events"}: {"create", "patch"},
}

func TestRBACGrantsOnlyWhatTheControllersUse(t *testing.T) {
	files := []struct {
		path, kind string
		want       map[grant][]string
	}{
		{"../config/rbac/role.yaml", "ClusterRole", wantClusterRole},
		{"../config/rbac/leader_election_role.yaml", "Role", wantLeaderElection},
	}
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			kind, rules := readRules(t, f.path)
			if kind != f.kind {
				t.Fatalf("kind %s, want %s", kind, f.kind)
			}
			got := map[grant][]string{}
			for i, r := range rules {
				if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
					t.Errorf("rule %d: nonResourceURLs/resourceNames are not expected: %+v", i, r)
				}
				for _, g := range r.APIGroups {
					for _, res := range r.Resources {
						for _, v := range r.Verbs {
							if g == "*" || res == "*" || v == "*" {
								t.Errorf("rule %d has a wildcard: groups %v resources %v verbs %v", i, r.APIGroups, r.Resources, r.Verbs)
							}
							key := grant{g, res}
							if !slices.Contains(got[key], v) {
								got[key] = append(got[key], v)
							}
						}
					}
				}
			}
			for key, verbs := range got {
				want, ok := f.want[key]
				if !ok {
					t.Errorf("%s grants %v on %s, which nothing needs", f.path, verbs, key)
					continue
				}
				if extra := missing(verbs, want); len(extra) > 0 {
					t.Errorf("%s grants %v on %s beyond what is used (%v)", f.path, extra, key, want)
				}
			}
			for key, want := range f.want {
				if lacking := missing(want, got[key]); len(lacking) > 0 {
					t.Errorf("%s lacks %v on %s, which the controllers use", f.path, lacking, key)
				}
			}
		})
	}
}

// readRules reads a Role or ClusterRole manifest.
func readRules(t *testing.T, path string) (string, []rbacv1.PolicyRule) {
	t.Helper()
	data, err := os.ReadFile(path) //nolint:gosec // G304: the test reads the repository's own manifests
	if err != nil {
		t.Fatal(err)
	}
	var role struct {
		Kind  string              `json:"kind"`
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	if err := yaml.Unmarshal(data, &role); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return role.Kind, role.Rules
}

// missing returns the members of a that b lacks.
func missing(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}
