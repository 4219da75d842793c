package oauthclient

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func TestOnlyARecountOfTheServersNonCompliantClientsQueuesNoClient(t *testing.T) {
	base := func() *v1alpha1.ClusterAuthServer {
		s := &v1alpha1.ClusterAuthServer{}
		s.Name, s.ResourceVersion, s.Generation = "idp", "1", 1
		s.Status.Provider = "hydra"
		meta.SetStatusCondition(&s.Status.Conditions, readyOf(metav1.ConditionTrue, "Ready"))
		return s
	}
	cases := []struct {
		name   string
		change func(*v1alpha1.ClusterAuthServer)
		passes bool
	}{
		{"the count only", func(s *v1alpha1.ClusterAuthServer) { s.Status.NonCompliantClients = 3 }, false},
		{"nothing but the resource version", func(*v1alpha1.ClusterAuthServer) {}, false},
		{"a new spec", func(s *v1alpha1.ClusterAuthServer) { s.Generation = 2; s.Spec.IssuerURL = "http://127.0.0.1:4444/" }, true},
		{"Ready turned False", func(s *v1alpha1.ClusterAuthServer) {
			meta.SetStatusCondition(&s.Status.Conditions, readyOf(metav1.ConditionFalse, "ServerUnavailable"))
		}, true},
		{"new endpoints", func(s *v1alpha1.ClusterAuthServer) {
			s.Status.Endpoints = &v1alpha1.DiscoveredEndpoints{Registration: "http://127.0.0.1:4445/reg"}
		}, true},
		{"the count and the provider", func(s *v1alpha1.ClusterAuthServer) { s.Status.NonCompliantClients = 1; s.Status.Provider = "keycloak" }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, cur := base(), base()
			cur.ResourceVersion = "2"
			tc.change(cur)
			if got := serverChanged.Update(event.UpdateEvent{ObjectOld: old, ObjectNew: cur}); got != tc.passes {
				t.Errorf("queues the server's clients: %v, want %v", got, tc.passes)
			}
		})
	}
	if !serverChanged.Delete(event.DeleteEvent{Object: base()}) || !serverChanged.Create(event.CreateEvent{Object: base()}) {
		t.Error("a server created or deleted must queue its clients")
	}
}

func readyOf(status metav1.ConditionStatus, reason string) metav1.Condition {
	return metav1.Condition{Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: reason,
		LastTransitionTime: metav1.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
}
