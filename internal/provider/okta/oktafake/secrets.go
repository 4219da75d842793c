package oktafake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"time"
)

// maxSecrets is how many secret objects an app may hold.
const maxSecrets = 2

// secret is one client secret of an app.
type secret struct {
	id, value, status string
	created, updated  time.Time
}

func newSecretValue() string { return rand.Text() + rand.Text() }

func (f *Fake) newSecret(value, status string) *secret {
	now := time.Now()
	return &secret{id: f.nextID("ocs"), value: value, status: status, created: now, updated: now}
}

// view is the secret as Okta answers it; the value only where Okta shows
// it whole (the answer that made it), else its last four characters.
func (s *secret) view(whole bool) map[string]any {
	sum := sha256.Sum256([]byte(s.value))
	v := "****" + s.value[len(s.value)-4:]
	if whole {
		v = s.value
	}
	return map[string]any{
		"id": s.id, "status": s.status, "client_secret": v,
		"secret_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
		"created":     stamp(s.created), "lastUpdated": stamp(s.updated),
	}
}

func (f *Fake) listSecrets(_ http.ResponseWriter, r *http.Request) (int, any) {
	a := f.findApp(r.PathValue("id"))
	if a == nil {
		return notFound("AppInstance", r.PathValue("id"))
	}
	out := make([]map[string]any, 0, len(a.secrets))
	for _, s := range a.secrets {
		out = append(out, s.view(false))
	}
	return http.StatusOK, out
}

// createSecret adds a secret: the one given, or a generated one; at most
// maxSecrets per app.
func (f *Fake) createSecret(_ http.ResponseWriter, r *http.Request) (int, any) {
	a := f.findApp(r.PathValue("id"))
	if a == nil {
		return notFound("AppInstance", r.PathValue("id"))
	}
	var body struct {
		ClientSecret string `json:"client_secret"`
		Status       string `json:"status"`
	}
	if !decodeBody(r, &body) {
		return invalid("the body is not a JSON object")
	}
	if len(a.secrets) >= maxSecrets {
		return invalid("client_secret: You can create up to two secret objects. Delete an inactive secret first.")
	}
	if body.ClientSecret != "" && (len(body.ClientSecret) < 14 || len(body.ClientSecret) > 100) {
		return invalid("client_secret: must be 14 to 100 characters")
	}
	value, status := body.ClientSecret, body.Status
	if value == "" {
		value = newSecretValue()
	}
	if status == "" {
		status = "ACTIVE"
	}
	s := f.newSecret(value, status)
	a.secrets = append(a.secrets, s)
	return http.StatusCreated, s.view(true)
}

func (f *Fake) findSecret(r *http.Request) (*app, *secret, int, any) {
	a := f.findApp(r.PathValue("id"))
	if a == nil {
		status, body := notFound("AppInstance", r.PathValue("id"))
		return nil, nil, status, body
	}
	for _, s := range a.secrets {
		if s.id == r.PathValue("sid") {
			return a, s, 0, nil
		}
	}
	status, body := notFound("OAuth2ClientSecret", r.PathValue("sid"))
	return nil, nil, status, body
}

func (f *Fake) getSecret(_ http.ResponseWriter, r *http.Request) (int, any) {
	_, s, status, body := f.findSecret(r)
	if s == nil {
		return status, body
	}
	return http.StatusOK, s.view(false)
}

// deleteSecret deletes an inactive secret only.
func (f *Fake) deleteSecret(_ http.ResponseWriter, r *http.Request) (int, any) {
	a, s, status, body := f.findSecret(r)
	if s == nil {
		return status, body
	}
	if s.status == "ACTIVE" {
		return invalid("client_secret: You can only delete an inactive secret.")
	}
	a.secrets = slices.DeleteFunc(a.secrets, func(x *secret) bool { return x == s })
	return http.StatusNoContent, nil
}

// secretLifecycle activates or deactivates a secret; the last active one
// cannot be deactivated.
func (f *Fake) secretLifecycle(_ http.ResponseWriter, r *http.Request) (int, any) {
	a, s, status, body := f.findSecret(r)
	if s == nil {
		return status, body
	}
	switch r.PathValue("verb") {
	case "activate":
		s.status = "ACTIVE"
	case "deactivate":
		active := 0
		for _, o := range a.secrets {
			if o.status == "ACTIVE" {
				active++
			}
		}
		if s.status == "ACTIVE" && active == 1 {
			return invalid("client_secret: You can't deactivate the only active secret.")
		}
		s.status = "INACTIVE"
	default:
		return notFound("Lifecycle", r.PathValue("verb"))
	}
	s.updated = time.Now()
	return http.StatusOK, s.view(false)
}
