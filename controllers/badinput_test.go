package controllers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Input the API schema cannot judge gets a condition that names the problem.
func TestBadInputTheSchemaCannotSee(t *testing.T) {
	ns := newNamespace(t)

	t.Run("scope the server does not know", func(t *testing.T) {
		newClient(t, ns, "unknown-scope", v1alpha1.OAuthClientSpec{Scopes: []string{"read", "launch-missiles"}})
		cond := waitReason(t, ns, "unknown-scope", v1alpha1.ReasonInvalidMetadata)
		// The server's own description reaches the user.
		if !strings.Contains(cond.Message, "invalid_client_metadata") || !strings.Contains(cond.Message, "scope") {
			t.Errorf("message lacks the server's error: %s", cond.Message)
		}
		if remoteClientsNamed(t, ns+"/unknown-scope") != 0 {
			t.Error("a client was registered although the server refused the metadata")
		}
		// Fixing the manifest recovers without anything else.
		oac := getClient(t, ns, "unknown-scope")
		oac.Spec.Scopes = []string{"read"}
		if err := k8s.Update(context.Background(), oac); err != nil {
			t.Fatal(err)
		}
		waitReady(t, ns, "unknown-scope")
	})

	t.Run("server that is not ready", func(t *testing.T) {
		createServer(t, ns, "nowhere", "http://127.0.0.1:1", nil)
		newClient(t, ns, "waiting", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "nowhere"}})
		cond := waitReason(t, ns, "waiting", v1alpha1.ReasonServerNotReady)
		if !strings.Contains(cond.Message, `AuthServer "nowhere" is not ready`) {
			t.Errorf("message does not name the server: %s", cond.Message)
		}
	})

	t.Run("missing server", func(t *testing.T) {
		newClient(t, ns, "orphan", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Kind: "ClusterAuthServer", Name: "absent"}})
		cond := waitReason(t, ns, "orphan", v1alpha1.ReasonServerNotFound)
		if !strings.Contains(cond.Message, "spec.serverRef") || !strings.Contains(cond.Message, `ClusterAuthServer "absent"`) {
			t.Errorf("message does not name the field and server: %s", cond.Message)
		}
	})

	t.Run("secret template that does not render", func(t *testing.T) {
		newClient(t, ns, "badtmpl", v1alpha1.OAuthClientSpec{
			Scopes:         []string{"read"},
			SecretTemplate: &v1alpha1.SecretTemplate{Data: map[string]string{"app.properties": "id={{ .ClientId }}"}},
		})
		cond := waitReason(t, ns, "badtmpl", v1alpha1.ReasonInvalidTemplate)
		if !strings.Contains(cond.Message, `spec.secretTemplate.data["app.properties"]`) {
			t.Errorf("message does not name the template key: %s", cond.Message)
		}
		if remoteClientsNamed(t, ns+"/badtmpl") != 0 {
			t.Error("a client was registered although its Secret cannot be rendered")
		}
	})
}
