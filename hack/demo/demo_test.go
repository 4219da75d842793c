package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDecodeManifests(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // kind/name of each object
		wantErr bool
	}{
		{name: "one", in: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n", want: []string{"Secret/a"}},
		{
			name: "several with comments and empty documents",
			in:   "# header\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n---\n---\napiVersion: oauth.clientoperator.io/v1alpha1\nkind: AuthServer\nmetadata:\n  name: dev\n",
			want: []string{"Secret/a", "AuthServer/dev"},
		},
		{name: "empty", in: "", want: nil},
		{name: "no kind", in: "apiVersion: v1\nmetadata:\n  name: a\n", wantErr: true},
		{name: "not yaml", in: "apiVersion: [\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := decodeManifests(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadSamplesReadsTheRepositorySamples(t *testing.T) {
	objs, err := readSamples(filepath.Join("..", "..", "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
	}
	for _, k := range []string{"AuthServer", "OAuthClient"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("the samples hold no %s: %v", k, kinds)
		}
	}
	if slices.Contains(kinds, "Kustomization") {
		t.Error("kustomization.yaml was read as a sample")
	}
}

func TestPointIssuer(t *testing.T) {
	const from, to = "http://127.0.0.1:9400", "http://127.0.0.1:5555"
	tests := []struct {
		name      string
		in        string
		to        string
		wantN     int
		wantIssue string
	}{
		{name: "default port is rewritten", in: "apiVersion: x/v1\nkind: AuthServer\nmetadata: {name: dev}\nspec: {issuerURL: '" + from + "'}\n", to: to, wantN: 1, wantIssue: to},
		{name: "same port left alone", in: "apiVersion: x/v1\nkind: AuthServer\nmetadata: {name: dev}\nspec: {issuerURL: '" + from + "'}\n", to: from, wantN: 0, wantIssue: from},
		{name: "other issuer left alone", in: "apiVersion: x/v1\nkind: AuthServer\nmetadata: {name: dev}\nspec: {issuerURL: 'https://idp.example'}\n", to: to, wantN: 0, wantIssue: "https://idp.example"},
		{name: "other kinds left alone", in: "apiVersion: x/v1\nkind: Other\nmetadata: {name: dev}\nspec: {issuerURL: '" + from + "'}\n", to: to, wantN: 0, wantIssue: from},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := decodeManifests(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if n := pointIssuer(objs, from, tt.to); n != tt.wantN {
				t.Errorf("changed %d, want %d", n, tt.wantN)
			}
			if got := objs[0].Object["spec"].(map[string]any)["issuerURL"]; got != tt.wantIssue {
				t.Errorf("issuerURL = %v, want %s", got, tt.wantIssue)
			}
		})
	}
}

func TestDescribeValueHidesSecrets(t *testing.T) {
	secret := []byte("s3cr3t-value-0123456789")
	tests := []struct {
		key   string
		value []byte
		want  string
	}{
		{"client_id", []byte("abc"), "abc"},
		{"scope", []byte("read write"), "read write"},
		{"token_url", []byte("http://x/token"), "http://x/token"},
		{"issuer", []byte("http://x"), "http://x"},
		{"client_secret", secret, "(23 bytes, not shown)"},
		{"application.properties", secret, "(23 bytes, not shown)"},
		{"anything-else", secret, "(23 bytes, not shown)"},
	}
	for _, tt := range tests {
		if got := describeValue(tt.key, tt.value); got != tt.want {
			t.Errorf("describeValue(%s) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestMountSecretLaysOutLikeTheKubelet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "creds")
	data := map[string][]byte{"client_id": []byte("id-1"), "client_secret": []byte("secret-1")}
	if err := os.MkdirAll(filepath.Join(dir, "stale"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := mountSecret(dir, data, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)); err != nil {
		t.Fatal(err)
	}
	for k, v := range data {
		got, err := os.ReadFile(filepath.Join(dir, k)) //nolint:gosec // G304: a file under the test's temporary directory
		if err != nil || string(got) != string(v) {
			t.Errorf("%s = %q, %v; want %q", k, got, err, v)
		}
		if target, _ := os.Readlink(filepath.Join(dir, k)); target != filepath.Join("..data", k) {
			t.Errorf("%s links to %q, want through ..data", k, target)
		}
	}
	if target, _ := os.Readlink(filepath.Join(dir, "..data")); target != "..2026_01_02_03_04_05.000000006" {
		t.Errorf("..data links to %q", target)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); !os.IsNotExist(err) {
		t.Errorf("an earlier mount's file survived: %v", err)
	}

	tests := []struct {
		name string
		key  string
	}{
		{"dot dot prefix", "..data"},
		{"slash", "a/b"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mountSecret(filepath.Join(t.TempDir(), "x"), map[string][]byte{tt.key: []byte("v")}, time.Now())
			if err == nil {
				t.Errorf("key %q was accepted", tt.key)
			}
		})
	}
}
