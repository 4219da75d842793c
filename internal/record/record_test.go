package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

func TestRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []*Record{
		{ClientID: "a", Version: 1, Provider: provider.State{}},
		{
			ClientID: "b", ClientSecret: "s", IssuedAt: t0, Version: 3, SecretExpiresAt: t0.Add(48 * time.Hour),
			Provider:       provider.State{"registration_access_token": "rat", "registration_client_uri": "https://x/reg/b"},
			HandledRequest: "now", LastRotation: t0, RotationReason: "requested", RolledVersion: 2,
			AdoptedReason: "SecretKept", AdoptedMessage: "client c1 existed at the server and was adopted",
			Retiring: []Retiring{{ClientID: "old", RetireAt: t0.Add(time.Hour), Provider: provider.State{"registration_access_token": "r0"}}},
		},
		{
			ClientID: "k", Version: 2, Provider: provider.State{}, Key: "-----BEGIN PRIVATE KEY-----\nnew\n-----END PRIVATE KEY-----\n",
			Retiring: []Retiring{{ClientID: "k", RetireAt: t0, SecretsOnly: true, Key: "-----BEGIN PRIVATE KEY-----\nold\n-----END PRIVATE KEY-----\n"}},
		},
	}
	for _, want := range cases {
		got, err := Decode(Encode(want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip changed the record:\n got %+v\nwant %+v", got, want)
		}
		if !Equal(got, want) {
			t.Errorf("Equal says a round-tripped record differs")
		}
		if fromMemory, err := Pack(want).Unpack(); err != nil || !reflect.DeepEqual(fromMemory, want) {
			t.Errorf("the store's memory changed the record (%v):\n got %+v\nwant %+v", err, fromMemory, want)
		}
	}
	if _, err := Packed("\x05ab").Unpack(); err == nil {
		t.Error("a damaged record in memory was accepted")
	}
	if _, err := Decode(map[string][]byte{"version": []byte("1")}); err == nil {
		t.Error("a record without client_id was accepted")
	}
	if _, err := Decode(map[string][]byte{"client_id": []byte("a"), "version": []byte("x")}); err == nil {
		t.Error("a record with a damaged version was accepted")
	}
}
