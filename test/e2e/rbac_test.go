package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// The managers in these tests run as the operator's ServiceAccount runs in
// a cluster, with exactly the permissions config/rbac grants it: a request
// the code makes and config/rbac does not allow fails a test here.
const (
	managerSANamespace = "oauth-client-operator-system"
	managerSA          = "controller-manager"
)

// installRBAC creates the operator's ClusterRole and ClusterRoleBinding
// from config/rbac, bound to the manager's ServiceAccount.
func installRBAC(ctx context.Context, c client.Client, root string) error {
	var role rbacv1.ClusterRole
	var binding rbacv1.ClusterRoleBinding
	if err := readManifest(root, "role.yaml", &role); err != nil {
		return err
	}
	if err := readManifest(root, "role_binding.yaml", &binding); err != nil {
		return err
	}
	bindToManager(binding.Subjects)
	for _, obj := range []client.Object{&role, &binding} {
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %T %s from config/rbac: %w", obj, obj.GetName(), err)
		}
	}
	return nil
}

// allowLeaderElection creates config/rbac's leader-election Role and
// RoleBinding in the operator namespace ns (once).
func allowLeaderElection(ctx context.Context, c client.Client, root, ns string) error {
	var role rbacv1.Role
	var binding rbacv1.RoleBinding
	if err := readManifest(root, "leader_election_role.yaml", &role); err != nil {
		return err
	}
	if err := readManifest(root, "leader_election_role_binding.yaml", &binding); err != nil {
		return err
	}
	role.Namespace, binding.Namespace = ns, ns
	bindToManager(binding.Subjects)
	for _, obj := range []client.Object{&role, &binding} {
		if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %T %s from config/rbac: %w", obj, obj.GetName(), err)
		}
	}
	return nil
}

// bindToManager points config/rbac's ServiceAccount subjects (namespace
// "system" before kustomize sets it) at the manager's ServiceAccount.
func bindToManager(subjects []rbacv1.Subject) {
	for i := range subjects {
		if subjects[i].Kind == rbacv1.ServiceAccountKind {
			subjects[i].Name, subjects[i].Namespace = managerSA, managerSANamespace
		}
	}
}

func readManifest(root, name string, into any) error {
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", name)) //nolint:gosec // G304: the test reads the repository's own manifests
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("config/rbac/%s: %w", name, err)
	}
	return nil
}
