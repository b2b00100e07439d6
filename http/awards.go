package http

import (
	"net/http"

	"github.com/claimdesk/claimdesk"
)

// loadAwards puts the report's awards on its page, and what the viewer may do with them.
func (s *Server) loadAwards(r *http.Request, p *detailPage) error {
	a := claimdesk.ActorFrom(r.Context())
	awards, err := s.Payouts.Awards(r.Context(), p.Report.Receipt)
	if err != nil {
		return err
	}
	p.Awards = awards
	if len(awards) > 0 && awards[0].State == claimdesk.AwardProposed {
		p.Pending = awards[0]
		mine := p.Pending.ProposedKey == a.Key()
		p.CanDecide = !mine && a.Person() != 0 && a.Can(claimdesk.PermPayouts)
		p.CanWithdraw = mine
		return nil
	}
	o := p.Offer
	p.CanPropose = a.Person() != 0 && p.Report.Status == claimdesk.StatusAccepted && o != nil && len(o.Payments) == 0 &&
		(o.Payout.Outcome == claimdesk.OutcomeReview || o.Award != nil)
	return nil
}

// handleAwardPropose proposes an award from the report's page.
func (s *Server) handleAwardPropose(w http.ResponseWriter, r *http.Request) error {
	amount, code := claimdesk.ParseAmountText(r.PostForm.Get("amount"))
	if code != "" {
		return s.decided(w, r, claimdesk.Errorm(claimdesk.EINVALID, "award_amount_invalid"), "")
	}
	_, err := s.Payouts.ProposeAward(r.Context(), r.PathValue("receipt"), amount, r.PostForm.Get("reason"))
	return s.decided(w, r, err, "award_proposed")
}

// handleAwardDecide approves or declines the report's pending award.
func (s *Server) handleAwardDecide(w http.ResponseWriter, r *http.Request) error {
	receipt := r.PathValue("receipt")
	var err error
	switch r.PathValue("decision") {
	case "approve":
		_, err = s.Payouts.ApproveAward(r.Context(), receipt)
	case "decline":
		_, err = s.Payouts.DeclineAward(r.Context(), receipt, r.PostForm.Get("note"))
	default:
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	return s.decided(w, r, err, "award_"+r.PathValue("decision"))
}
