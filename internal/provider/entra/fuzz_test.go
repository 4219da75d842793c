package entra_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra"
)

// leaked is a value a hostile answer carries; no error may show it.
const leaked = "fuzz-leaked-secret-9c1e"

// FuzzGraphAnswers gives Observe, List and RotateSecret whatever Graph
// might answer: they never panic, and a failure is a typed error that
// holds nothing of the answer but Graph's own error code and message.
func FuzzGraphAnswers(f *testing.F) {
	f.Add(200, `{"id":"o1","appId":"a1","displayName":"x","passwordCredentials":[{"keyId":"k","secretText":"`+leaked+`"}]}`)
	f.Add(200, `{"value":[{"appId":"a1","requiredResourceAccess":[{"resourceAppId":"r","resourceAccess":[{"id":"1","type":"Role"}]}]}],"@odata.nextLink":"https://evil.example/`+leaked+`"}`)
	f.Add(404, `{"error":{"code":"Request_ResourceNotFound","message":"`+leaked+` does not exist"}}`)
	f.Add(429, `{"error":{"code":"Request_ThrottledTemporarily","message":"slow down"}}`)
	f.Add(400, `{"error":{"code":"Request_BadRequest","message":"Invalid value specified for property 'web'"}}`)
	f.Add(200, `{"id":42,"appId":["a"],"tags":"x"}`)
	f.Add(200, `null`)
	f.Add(500, `<html>`+leaked+`</html>`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 599 {
			return
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		p, err := entra.New(entra.Config{GraphURL: srv.URL, Token: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})})
		if err != nil {
			t.Fatal(err)
		}
		var envelope struct {
			Error struct{ Code, Message string }
		}
		shown := json.Unmarshal([]byte(body), &envelope) == nil &&
			strings.Contains(envelope.Error.Code+envelope.Error.Message, leaked)
		check := func(what string, err error) {
			if err == nil {
				return
			}
			if _, ok := errors.AsType[*provider.Error](err); !ok {
				t.Errorf("%s: error %v is not a *provider.Error", what, err)
			}
			if !shown && strings.Contains(err.Error(), leaked) {
				t.Errorf("%s: the error holds what Graph sent: %v", what, err)
			}
		}
		_, err = p.Observe(t.Context(), "a1", provider.State{"grants": body})
		check("Observe", err)
		_, _, err = p.List(t.Context(), "owner", "")
		check("List", err)
		_, err = p.RotateSecret(t.Context(), "a1", nil)
		check("RotateSecret", err)
	})
}
