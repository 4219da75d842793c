package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// admissionCase is a manifest the API server must refuse: spec is the
// spec's body for an OAuthClient (kind "client") or an AuthServer (any
// other kind), and want the parts the refusal must name.
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
			name := fmt.Sprintf("%s-invalid-%d", prefix, i)
			manifest := fmt.Sprintf(authServerHead, name) + tc.spec
			if tc.kind == "client" {
				manifest = fmt.Sprintf(oauthClientHead, name) + tc.spec
			}
			err := env.Client.Create(context.Background(), object(t, manifest))
			if err == nil {
				t.Fatalf("the API server accepted an invalid manifest:\n%s", manifest)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}
