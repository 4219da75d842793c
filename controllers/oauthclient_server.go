package controllers

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// errWaitForServer asks to try again shortly without changing status.
var errWaitForServer = errors.New("waiting for this process to connect to the server")

// ensureFinalizer makes sure the remote client is handled before the
// OAuthClient goes away.
func (s *clientSync) ensureFinalizer(ctx context.Context) error {
	if controllerutil.ContainsFinalizer(s.oac, v1alpha1.Finalizer) {
		return nil
	}
	patch := client.MergeFrom(s.oac.DeepCopy())
	controllerutil.AddFinalizer(s.oac, v1alpha1.Finalizer)
	if err := s.r.Client.Patch(ctx, s.oac, patch); err != nil {
		return fmt.Errorf("adding finalizer: %w", err)
	}
	s.before.Finalizers = s.oac.Finalizers
	s.before.ResourceVersion = s.oac.ResourceVersion
	s.fresh = true
	return nil
}

// serverKey is the key of the server oac refers to.
func serverKey(oac *v1alpha1.OAuthClient) ServerKey {
	key := ServerKey{Kind: serverRefKind(oac), Name: oac.Spec.ServerRef.Name}
	if key.Kind == "AuthServer" {
		key.Namespace = oac.Namespace
	}
	return key
}

// resolveServer finds the Ready server the client refers to. An OAuthClient
// can only use an AuthServer of its own namespace, or a ClusterAuthServer.
func (s *clientSync) resolveServer(ctx context.Context) error {
	key := serverKey(s.oac)
	if srv := s.r.Servers.Get(key); srv != nil {
		s.server = srv
		return nil
	}
	var obj serverObject = &v1alpha1.AuthServer{}
	if key.Kind == "ClusterAuthServer" {
		obj = &v1alpha1.ClusterAuthServer{}
	}
	err := s.r.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: key.Name}, obj)
	if apierrors.IsNotFound(err) {
		where := ""
		if key.Namespace != "" {
			where = " in namespace " + key.Namespace
		}
		return fail(v1alpha1.ReasonServerNotFound, "spec.serverRef: %s %q not found%s", key.Kind, key.Name, where)
	}
	if err != nil {
		return fmt.Errorf("reading %s %q: %w", key.Kind, key.Name, err)
	}
	msg := "it has not been checked yet"
	if c := meta.FindStatusCondition(obj.ServerStatus().Conditions, v1alpha1.ConditionReady); c != nil {
		if c.Status == "True" && c.ObservedGeneration == obj.GetGeneration() {
			// Ready, but this process has not connected to it yet (it just
			// started or became leader): wait without touching status; the
			// server's readiness wakes this client.
			return errWaitForServer
		}
		msg = c.Reason + ": " + c.Message
	}
	return fail(v1alpha1.ReasonServerNotReady, "%s %q is not ready: %s", key.Kind, key.Name, msg)
}
