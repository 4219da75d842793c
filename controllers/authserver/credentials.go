package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
)

// The spec fields that name a credential held in a Secret; readSecrets
// returns the values by these names.
const (
	fieldInitialAccessToken = "spec.credentials.initialAccessToken"
	fieldBearerToken        = "spec.credentials.bearerToken"
	fieldClientSecret       = "spec.credentials.clientCredentials.clientSecret"
)

// fieldExtraHeader names the i-th extra header's value.
func fieldExtraHeader(i int) string {
	return fmt.Sprintf("spec.credentials.clientCredentials.extraHeaders[%d].valueFrom", i)
}

// secretField is a credential held in a Secret: the spec field that names
// the Secret key, and the key.
type secretField struct {
	field string
	sel   v1alpha1.SecretKeySelector
}

// secretFields lists the Secret keys creds refers to.
func secretFields(creds *v1alpha1.ManagementCredentials) []secretField {
	switch {
	case creds == nil:
		return nil
	case creds.InitialAccessToken != nil:
		return []secretField{{fieldInitialAccessToken, *creds.InitialAccessToken}}
	case creds.BearerToken != nil:
		return []secretField{{fieldBearerToken, *creds.BearerToken}}
	case creds.ClientCredentials != nil:
		cc := creds.ClientCredentials
		out := []secretField{{fieldClientSecret, cc.ClientSecret}}
		for i, h := range cc.ExtraHeaders {
			out = append(out, secretField{fieldExtraHeader(i), h.ValueFrom})
		}
		return out
	}
	return nil
}

// readSecrets reads every credential value of the server, by field, from
// Secrets of the server's own namespace (AuthServer) or of the operator's
// namespace (ClusterAuthServer). A Secret several fields refer to is read
// once.
func (r *Reconciler) readSecrets(ctx context.Context, obj servers.Object) (map[string]string, error) {
	ns := obj.GetNamespace()
	if r.Kind == v1alpha1.KindClusterAuthServer {
		ns = r.OperatorNamespace
	}
	read := map[string]*corev1.Secret{}
	values := map[string]string{}
	for _, f := range secretFields(obj.ServerSpec().Credentials) {
		sec, ok := read[f.sel.Name]
		if !ok {
			var err error
			if sec, err = r.readSecret(ctx, ns, f.field, f.sel.Name); err != nil {
				return nil, err
			}
			read[f.sel.Name] = sec
		}
		v := sec.Data[f.sel.Key]
		if len(v) == 0 {
			return nil, fmt.Errorf("%s: Secret %s/%s has no key %q", f.field, ns, f.sel.Name, f.sel.Key)
		}
		values[f.field] = string(v)
	}
	return values, nil
}

// fingerprint hashes a spec generation and the credential values read for
// it (or why they could not be read), to notice a change without keeping
// the values.
func fingerprint(generation int64, secrets map[string]string, readErr error) string {
	h := sha256.New()
	// A hash.Hash never returns an error from Write.
	_, _ = fmt.Fprintf(h, "%d", generation)
	for _, field := range slices.Sorted(maps.Keys(secrets)) {
		_, _ = fmt.Fprintf(h, "\x00%s\x00%s", field, secrets[field])
	}
	if readErr != nil {
		_, _ = fmt.Fprintf(h, "\x00error\x00%s", readErr.Error())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// managementSource builds the management credentials from the spec and the
// values readSecrets returned. It returns nil for a server without
// credentials.
func managementSource(creds *v1alpha1.ManagementCredentials, secrets map[string]string, tokenURL string) (*mgmtauth.Source, map[string]string, error) {
	var src mgmtauth.Source
	var headers map[string]string
	switch {
	case creds == nil:
		return nil, nil, nil
	case creds.InitialAccessToken != nil:
		src.InitialAccessToken = secrets[fieldInitialAccessToken]
	case creds.BearerToken != nil:
		src.BearerToken = secrets[fieldBearerToken]
	case creds.ClientCredentials != nil:
		cc := creds.ClientCredentials
		out := &mgmtauth.ClientCredentials{
			TokenURL: cc.TokenURL, ClientID: cc.ClientID, Scopes: cc.Scopes, Audience: cc.Audience,
			AuthStyle: mgmtauth.AuthStyle(cc.AuthStyle), ExtraParams: cc.ExtraParams,
			ClientSecret: secrets[fieldClientSecret],
		}
		if out.TokenURL == "" {
			out.TokenURL = tokenURL
		}
		for i, h := range cc.ExtraHeaders {
			if headers == nil {
				headers = map[string]string{}
			}
			headers[h.Name] = secrets[fieldExtraHeader(i)]
		}
		out.ExtraHeaders = headers
		src.ClientCredentials = out
	default:
		return nil, nil, nil
	}
	if err := src.Validate(); err != nil {
		return nil, nil, fmt.Errorf("spec.credentials: %w", err)
	}
	return &src, headers, nil
}

// readSecret reads a credential Secret, with an error that names the field
// that refers to it.
func (r *Reconciler) readSecret(ctx context.Context, ns, field, name string) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%s: Secret %s/%s not found", field, ns, name)
		}
		return nil, fmt.Errorf("%s: reading Secret %s/%s: %w", field, ns, name, err)
	}
	return &s, nil
}
