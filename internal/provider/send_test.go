package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

const sendToken = "management-token-0123456789"

func TestSendCarriesTheBodyAndTheToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if r.Header.Get("Authorization") != "Bearer "+sendToken || r.Header.Get("Content-Type") != "application/json" ||
			r.Header.Get("X-Extra") != "1" || json.NewDecoder(r.Body).Decode(&in) != nil || in["name"] != "billing" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Location", "/clients/7")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"7"}`))
	}))
	defer srv.Close()
	a, err := provider.Send(context.Background(), srv.Client(), provider.Request{
		Method: http.MethodPost, URL: srv.URL + "/clients", Body: map[string]string{"name": "billing"},
		Header: map[string]string{"X-Extra": "1"}, MaxAnswer: 1 << 10,
		Authorize: provider.Bearer(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: sendToken}), "the management token"),
	})
	if err != nil || a.Status != http.StatusCreated || a.Header.Get("Location") != "/clients/7" || string(a.Body) != `{"id":"7"}` {
		t.Fatalf("Send = %d %v %q, %v; want 201 with the answer", a.Status, a.Header, a.Body, err)
	}
}

func TestSendErrorsAreTypedAndHoldNoSecret(t *testing.T) {
	const secret = "client-secret-sent-in-the-query"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = w.Write([]byte(strings.Repeat("x", 2048)))
			return
		}
		http.Error(w, "refused "+r.Header.Get("Authorization"), http.StatusForbidden)
	}))
	defer echo.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	bearer := provider.Bearer(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: sendToken}), "the management token")

	for _, tc := range []struct {
		name string
		r    provider.Request
		want provider.Kind // "": no error, the answer's body is checked
	}{
		{"nothing listens", provider.Request{URL: down.URL + "/c?secret=" + secret}, provider.KindTransient},
		{"an answer larger than allowed", provider.Request{URL: echo.URL + "/big"}, provider.KindTransient},
		{"a URL that cannot be a request", provider.Request{URL: "http://[::1/" + secret}, provider.KindInvalidMetadata},
		{"an empty token", provider.Request{URL: echo.URL, Authorize: provider.Bearer(oauth2.StaticTokenSource(&oauth2.Token{}), "the management token")}, provider.KindUnauthorized},
		{"an error answer that echoes the token", provider.Request{URL: echo.URL + "/refuse"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			r.Method, r.MaxAnswer, r.Secrets = http.MethodGet, 1<<10, []string{secret}
			if r.Authorize == nil {
				r.Authorize = bearer
			}
			a, err := provider.Send(context.Background(), echo.Client(), r)
			if tc.want == "" {
				if err != nil || a.Status != http.StatusForbidden || strings.Contains(string(a.Body), sendToken) {
					t.Fatalf("Send = %d %q, %v; want the 403 without the token", a.Status, a.Body, err)
				}
				return
			}
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Kind != tc.want {
				t.Fatalf("Send error %v, want kind %v", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), sendToken) {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}
