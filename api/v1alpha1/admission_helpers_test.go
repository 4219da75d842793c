package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// admissionCase is a manifest the API server must refuse: spec is the
// spec's body for an object of kind (see manifestOf), and want the parts
// the refusal must name.
type admissionCase struct {
	name, kind, spec string
	want             []string
}

// refusedAtAdmission creates each case's object, named prefix-invalid-N,
// and checks that the API server refuses it with every wanted part.
func refusedAtAdmission(t *testing.T, prefix string, cases []admissionCase) {
	t.Helper()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			manifest := manifestOf(tc.kind, fmt.Sprintf("%s-invalid-%d", prefix, i), tc.spec)
			err := env.Client.Create(context.Background(), object(t, manifest))
			checkRefusal(t, manifest, err, tc.want)
		})
	}
}

// manifestOf is the manifest of an object named name with spec's body: an
// OAuthClient for kind "client", one without a serverRef for "nosrv", a
// ClusterAuthServer for "cluster", and an AuthServer for any other kind.
func manifestOf(kind, name, spec string) string {
	switch kind {
	case "client":
		return fmt.Sprintf(oauthClientHead, name) + spec
	case "nosrv":
		return fmt.Sprintf("apiVersion: oauth.clientoperator.io/v1alpha1\nkind: OAuthClient\nmetadata: {name: %s}\nspec: {clientName: x}\n", name)
	case "cluster":
		return fmt.Sprintf(clusterAuthServerHead, name) + spec
	}
	return fmt.Sprintf(authServerHead, name) + spec
}

// checkRefusal fails t unless err, the API server's answer to manifest,
// refuses it and names every wanted part.
func checkRefusal(t *testing.T, manifest string, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the API server accepted an invalid manifest:\n%s", manifest)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message does not contain %q:\n%v", w, err)
		}
	}
}
