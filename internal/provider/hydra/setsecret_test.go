package hydra_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// TestSetSecretReplacesTheSecret: a brought secret that changed is set at
// the real Hydra with one PATCH; the new secret works and the old one no
// longer does, and the error of a missing client is NotFound.
func TestSetSecretReplacesTheSecret(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "setsecret-owner")
	first := "brought-first-" + strings.Repeat("a", 24)
	s := spec("brought", "read")
	s.ClientSecret = first
	res, err := p.Create(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Client.ClientID
	r.token(t, id, first, "read")
	var _ provider.SecretSetter = p
	r.admin.Reset()
	second := "brought-second-" + strings.Repeat("b", 24)
	set, err := p.SetSecret(t.Context(), id, nil, second)
	if err != nil || set.Client.ClientSecret != second {
		t.Fatalf("SetSecret = %v, %v", set.Client.ClientID, err)
	}
	r.token(t, id, second, "read")
	r.noToken(t, id, first)
	if w := r.admin.Writes(); len(w) != 1 || w[0].Method != http.MethodPatch {
		t.Errorf("SetSecret wrote %+v, want one PATCH", w)
	}
	if _, err := p.SetSecret(t.Context(), "no-such-client", nil, second); provider.KindOf(err) != provider.KindNotFound {
		t.Errorf("SetSecret of a missing client: %v, want NotFound", err)
	}
	if _, err := p.SetSecret(t.Context(), id, nil, ""); provider.KindOf(err) != provider.KindInvalidMetadata {
		t.Errorf("SetSecret of an empty secret: %v, want InvalidMetadata", err)
	}
}
