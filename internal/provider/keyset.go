package provider

import "encoding/json"

// KeyIDs lists the kid of every key in a JSON Web Key Set (RFC 7517 §5), in
// the set's order; nil when jwks is empty or not a key set. It is how the
// key set a server reports is compared with the desired one: by key ID, so
// members a server adds or orders differently are not drift.
func KeyIDs(jwks json.RawMessage) []string {
	if len(jwks) == 0 {
		return nil
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if json.Unmarshal(jwks, &set) != nil {
		return nil
	}
	ids := []string{}
	for _, k := range set.Keys {
		ids = append(ids, k.Kid)
	}
	return ids
}
