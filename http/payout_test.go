package http_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
)

// fileLoss files validJSON with another claimed loss and returns its receipt.
func (e *env) fileLoss(loss string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/reports", strings.Replace(validJSON, `"claimed_loss":900000`, `"claimed_loss":`+loss, 1), "Content-Type", "application/json")
	check(e.t, r, 201, nil, nil)
	return decode[apiReport](e.t, r).Receipt
}

func TestSimulateAPI(t *testing.T) {
	e := newEnv(t)
	small, mid, large := e.fileLoss("300000"), e.fileLoss("450000"), e.fileLoss("900000")
	path := "/api/v1/incidents/kakao-2022-10/payouts/simulate"
	analyst := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAnalyst), "Content-Type", "application/json"}
	check(t, e.do("POST", path, `{"policies":["kakao-2022-brackets"]}`, "Content-Type", "application/json"), 401, nil, nil)
	check(t, e.do("POST", path, `{"policies":["kakao-2022-brackets"]}`, "Authorization", "Bearer "+e.token(claimdesk.RoleReviewer)), 403, nil, nil)
	check(t, e.do("POST", path, `{"policies":["nope", {"id":"x"}], "detail": true}`, analyst...), 422,
		[]string{`"field":"policies[0]"`, `"field":"policies[1].name"`, "nope"}, nil)
	check(t, e.do("POST", path, `{"policies":[]}`, analyst...), 422, []string{`"field":"policies"`}, nil)
	check(t, e.do("POST", path, `{"policies":["kt-2018-tiers"]}`, analyst...), 422, []string{"kt-2018-tiers"}, nil)
	check(t, e.do("POST", path, `{"polices":["kt-2018-tiers"]}`, analyst...), 400, nil, nil)
	check(t, e.do("POST", "/api/v1/incidents/nope/payouts/simulate", `{"policies":["kakao-2022-brackets"]}`, analyst...), 404, nil, nil)

	// The built-in brackets beside an inline flat policy with a budget, explained in English.
	body := `{"policies":["kakao-2022-brackets", {"id":"flat-40k","name":{"ko":"정액","en":"Flat"},"kind":"flat",
		"flat":{"amount":40000},"budget":100000}], "detail": true}`
	r := e.do("POST", path, body, append(analyst, "Accept-Language", "en")...)
	check(t, r, 200, []string{`"receipt":"` + small + `","outcome":"amount","amount":30000`,
		`"receipt":"` + mid + `","outcome":"amount","amount":50000`, `"receipt":"` + large + `","outcome":"review","days"`,
		"decided after a review of documents", `"scaled":true`, `"amount":33330`, `"remainder":10`}, nil)
	sim := decode[claimdesk.Simulation](t, r)
	if sim.Reports != 3 || sim.Policies[0].Total != 80000 || sim.Policies[0].Referred != 1 || sim.Policies[1].Total != 99990 ||
		len(sim.Differences) != 3 || sim.Differences[0].Receipt != large {
		t.Errorf("%+v", sim)
	}
}

// Adopting needs an administrator, releasing another one; the payment file needs a release.
func TestPayoutRunAPI(t *testing.T) {
	e := newEnv(t)
	e.fileLoss("300000")
	e.fileLoss("450000")
	first := []string{"Authorization", "Bearer " + e.personToken(claimdesk.RoleAdmin), "Content-Type", "application/json"}
	second := []string{"Authorization", "Bearer " + e.personToken(claimdesk.RoleAdmin), "Content-Type", "application/json"}
	analyst := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAnalyst), "Content-Type", "application/json"}
	runs := "/api/v1/incidents/kakao-2022-10/payouts/runs"
	check(t, e.do("POST", runs, `{"policy":"kakao-2022-brackets"}`, analyst...), 403, nil, nil)
	service := []string{"Authorization", "Bearer " + e.token(claimdesk.RoleAdmin), "Content-Type", "application/json"}
	check(t, e.do("POST", runs, `{"policy":"kakao-2022-brackets"}`, service...), 403, []string{`"code":"person_required"`}, nil)
	check(t, e.do("POST", runs, `{"policy":"kakao-2022-brackets@9"}`, first...), 422, nil, nil)
	r := e.do("POST", runs, `{"policy":"kakao-2022-brackets"}`, first...)
	check(t, r, 201, []string{`"state":"pending"`, `"total":80000`}, nil)
	run := decode[claimdesk.PayoutRun](t, r)
	at := "/api/v1/payouts/runs/" + itoa(run.ID)
	if r.Header.Get("Location") != at {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	check(t, e.do("GET", at+"/payments.csv", "", first...), 409, nil, nil)
	check(t, e.do("POST", at+"/release", "", first...), 403, []string{"다른 관리자"}, nil)
	check(t, e.do("POST", at+"/release", "", analyst...), 403, nil, nil)
	check(t, e.do("POST", at+"/release", "", service...), 403, []string{`"code":"person_required"`}, nil)
	// Nothing is accepted in review: nothing can become payable, and an approver who read
	// otherwise is refused.
	check(t, e.do("POST", at+"/release", `{"expect":{"count":2,"sum":80000}}`, second...), 409, []string{`"code":"run_figures_changed"`}, nil)
	check(t, e.do("POST", at+"/release", `{"expect":{"count":0,"sum":0}}`, second...), 200, []string{`"state":"released"`, `"payable":{"count":0,"sum":0}`, `"unreviewed":{"count":2,"sum":80000}`}, nil)
	check(t, e.do("POST", at+"/release", "", second...), 409, nil, nil)
	check(t, e.do("GET", at, "", analyst...), 200, []string{`"state":"released"`}, nil)
	check(t, e.do("GET", runs, "", analyst...), 200, []string{`"runs":[{"id":` + itoa(run.ID)}, nil)
	check(t, e.do("GET", "/api/v1/payouts/runs/999", "", analyst...), 404, nil, nil)
	// Nothing is accepted in review yet: an empty payment file, with its header, in Korean
	// for the treasurer and the bank unless asked otherwise.
	p := e.do("GET", at+"/payments.csv", "", second...)
	check(t, p, 200, []string{"\ufeff지급번호,접수번호,구분,상호,사업자등록번호,대표자,지급액(원),은행,계좌번호,예금주"}, nil)
	check(t, e.do("GET", at+"/payments.csv?lang=en", "", second...), 200, []string{"\ufeffPayment ID,Receipt,Kind,Business name,"}, nil)
	check(t, e.do("GET", at+"/payments.csv?lang=fr", "", second...), 422, []string{`"field":"lang"`}, nil)
	if strings.Count(p.Body, "\n") != 1 {
		t.Errorf("payments before any acceptance:\n%s", p.Body)
	}
	check(t, e.do("GET", at+"/payments.xlsx", "", analyst...), 403, nil, nil)

	// A disabled person's tokens stop working at once.
	cli := claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
	if err := e.srv.Users.DisableUser(cli, "admin1@example.org"); err != nil {
		t.Fatal(err)
	}
	check(t, e.do("GET", runs, "", first...), 401, nil, nil)
	check(t, e.do("GET", runs, "", second...), 200, nil, nil)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
