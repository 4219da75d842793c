package oauthclient

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/oauthclient/writer"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
)

// Guard rails: input refused before anything is registered or changed at
// the server (issue 12).

// A template label the API server would refuse is found before the client
// is registered (an OAuthClient admitted before the CRD checked labels).
func TestTemplateLabelTheAPIServerRefusesIsFoundBeforeRegistering(t *testing.T) {
	for name, tmpl := range map[string]*v1alpha1.SecretTemplate{
		"label key":      {Labels: map[string]v1alpha1.LabelValue{"team name!": "a"}},
		"label value":    {Labels: map[string]v1alpha1.LabelValue{"team": "a/b"}},
		"annotation key": {Annotations: map[string]string{"-/bad": "x"}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, config{edit: func(o *v1alpha1.OAuthClient) { o.Spec.SecretTemplate = tmpl }})
			res, err := e.reconcile()
			c := e.wantReady(v1alpha1.ReasonInvalidTemplate)
			if !strings.Contains(c.Message, "spec.secretTemplate.") {
				t.Errorf("message does not name the field: %s", c.Message)
			}
			if ids := e.srv.ids(); len(ids) != 0 {
				t.Errorf("registered %v although the Secret cannot be written", ids)
			}
			if err != nil || res.RequeueAfter != policy.MaxRetry {
				t.Errorf("retried as a passing fault (%v, %v); only a change helps", res, err)
			}
		})
	}
}

// A Secret the API server refuses for any other reason is a template
// error, not a passing fault of the server.
func TestSecretTheAPIServerRefusesIsATemplateError(t *testing.T) {
	e := newEnv(t, config{})
	invalid := apierrors.NewInvalid(schema.GroupKind{Kind: "Secret"}, "app", field.ErrorList{field.TooLong(field.NewPath("metadata", "annotations"), "", 262144)})
	refuse := interceptor.Funcs{
		Apply: func(context.Context, client.WithWatch, runtime.ApplyConfiguration, ...client.ApplyOption) error {
			return invalid
		},
		Create: func(context.Context, client.WithWatch, client.Object, ...client.CreateOption) error {
			return invalid // a new client's Secret is created
		},
	}
	e.r.secrets = &writer.Writer{Client: interceptor.NewClient(e.api, refuse), Reader: e.api}
	res, err := e.reconcile()
	c := e.wantReady(v1alpha1.ReasonInvalidTemplate)
	if !strings.Contains(c.Message, "the API server refused Secret app") {
		t.Errorf("message: %s", c.Message)
	}
	if err != nil || res.RequeueAfter != policy.MaxRetry {
		t.Errorf("retried as a passing fault (%v, %v)", res, err)
	}
}
