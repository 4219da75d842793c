package record

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// OrphanedName names the orphan note of the OAuthClient with uid.
func OrphanedName(uid types.UID) string { return "oauthclient-orphaned-" + string(uid) }

// OrphanNote is the note, kept in namespace, that the client of r stays at
// the server on purpose (deletionPolicy Orphan): the leaked-client scan
// leaves it alone while the note exists. The note holds the client ID
// only, no credential; deleting it hands the client to the scan.
func OrphanNote(oac *v1alpha1.OAuthClient, namespace string, r *Record) *corev1.Secret {
	return ownedSecret(oac, OrphanedName(oac.UID), namespace, OrphanManagedBy, map[string][]byte{keyClientID: []byte(r.ClientID)})
}
