package claimdesk

import "encoding/json"

// FingerprintKeys returns the JSON keys the fingerprint covers.
func FingerprintKeys(r *Report) ([]string, error) {
	var m map[string]any
	b, _ := json.Marshal(r.input())
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys, nil
}
