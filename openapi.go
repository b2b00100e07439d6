package claimdesk

import _ "embed"

// OpenAPI is the OpenAPI 3 description of the JSON API (openapi.yaml), served at
// /api/v1/openapi.yaml and checked against the real answers by the http tests.
//
//go:embed openapi.yaml
var OpenAPI []byte
