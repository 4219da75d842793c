package hydra_test

import (
	"encoding/json"
	"errors"
)

// parseSecret reads client_secret from a client object.
func parseSecret(body []byte) (string, error) {
	var c struct {
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &c); err != nil || c.Secret == "" {
		return "", errors.New("no client_secret in Hydra's answer")
	}
	return c.Secret, nil
}
