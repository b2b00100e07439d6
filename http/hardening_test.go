package http_test

import (
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// Intake staff read the reports they entered through the API, as in the console, and no
// other; reviewers read any; analysts any, masked.
func TestReportAPIVisibility(t *testing.T) {
	e := newEnv(t)
	desk, other := e.token(claimdesk.RoleIntake), e.token(claimdesk.RoleIntake)
	json := []string{"Content-Type", "application/json"}
	mine := decode[apiReport](t, e.do("POST", "/api/v1/reports", validJSON, append(json, "Authorization", "Bearer "+desk)...))
	public, _ := e.fileReport(nil)
	read := func(receipt, token string) response {
		return e.do("GET", "/api/v1/reports/"+receipt, "", "Authorization", "Bearer "+token)
	}
	check(t, read(mine.Receipt, desk), 200, []string{"120-81-47521"}, nil)
	check(t, read(public, desk), 404, nil, []string{"120-81-47521"})
	check(t, read(mine.Receipt, other), 404, nil, nil)
	check(t, read(public, e.token(claimdesk.RoleReviewer)), 200, []string{"120-81-47521"}, nil)
	check(t, read(public, e.token(claimdesk.RoleAnalyst)), 200, nil, []string{"120-81-47521"})
}

// Metric labels come from closed sets: a client's made-up methods do not grow them.
func TestMetricLabelsClosed(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"ZZTOP", "BREW", "PROPFIND"} {
		e.do(m, "/healthz", "")
	}
	metrics := e.do("GET", "/metrics", "").Body
	for _, m := range []string{"ZZTOP", "BREW", "PROPFIND"} {
		if strings.Contains(metrics, m) {
			t.Errorf("method %s is a metric label", m)
		}
	}
	if !strings.Contains(metrics, `method="other"`) {
		t.Error("no other method counted")
	}
}
