package servers

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/oauth-client-operator/oauth-client-operator/api/scheme"
	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func oauthClient(ns, name string, kind v1alpha1.ServerKind, server string) *v1alpha1.OAuthClient {
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"team": "a"}}}
	oac.Spec.ServerRef = v1alpha1.ServerReference{Kind: kind, Name: server}
	return oac
}

func TestClientsUsingListsTheClientsThatNameTheServer(t *testing.T) {
	objs := []client.Object{
		oauthClient("team-a", "default-kind", "", "idp"),
		oauthClient("team-a", "namespaced", v1alpha1.KindAuthServer, "idp"),
		oauthClient("team-a", "other-server", v1alpha1.KindAuthServer, "other"),
		oauthClient("team-a", "cluster-a", v1alpha1.KindClusterAuthServer, "idp"),
		oauthClient("team-b", "same-name-elsewhere", v1alpha1.KindAuthServer, "idp"),
		oauthClient("team-b", "cluster-b", v1alpha1.KindClusterAuthServer, "idp"),
	}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).Build()
	names := func(key Key) []string {
		t.Helper()
		users, err := ClientsUsing(context.Background(), c, key)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range users {
			out = append(out, u.Namespace+"/"+u.Name)
		}
		slices.Sort(out)
		return out
	}
	if got, want := names(Key{Kind: v1alpha1.KindAuthServer, Namespace: "team-a", Name: "idp"}), []string{"team-a/default-kind", "team-a/namespaced"}; !slices.Equal(got, want) {
		t.Errorf("AuthServer team-a/idp: %v, want %v", got, want)
	}
	if got, want := names(Key{Kind: v1alpha1.KindClusterAuthServer, Name: "idp"}), []string{"team-a/cluster-a", "team-b/cluster-b"}; !slices.Equal(got, want) {
		t.Errorf("ClusterAuthServer idp: %v, want %v", got, want)
	}
	if got := names(Key{Kind: v1alpha1.KindAuthServer, Namespace: "team-c", Name: "idp"}); len(got) != 0 {
		t.Errorf("a server nobody uses: %v", got)
	}
}

// sharedReader lists as the cache does with UnsafeDisableDeepCopy: the
// items share their maps and slices with what it holds.
type sharedReader struct {
	client.Reader
	held []v1alpha1.OAuthClient
}

func (r sharedReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	list.(*v1alpha1.OAuthClientList).Items = slices.Clone(r.held)
	return nil
}

func TestClientsUsingLeavesTheCachedObjectsAlone(t *testing.T) {
	r := sharedReader{held: []v1alpha1.OAuthClient{
		*oauthClient("team-a", "other", v1alpha1.KindAuthServer, "other"),
		*oauthClient("team-a", "user", v1alpha1.KindAuthServer, "idp"),
	}}
	users, err := ClientsUsing(context.Background(), r, Key{Kind: v1alpha1.KindAuthServer, Namespace: "team-a", Name: "idp"})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Name != "user" || users[0].Labels["team"] != "a" {
		t.Fatalf("got %+v, want the client named user with its labels", users)
	}
	users[0].Labels["team"] = "changed"
	if got := r.held[1].Labels["team"]; got != "a" {
		t.Errorf("changing a listed client changed the cached one: label %q", got)
	}
}
