package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// reportJSON is a report as the API answers it: its times in KST, and, to the one who filed it,
// the access token that lets them read it later.
type reportJSON struct {
	*claimdesk.Report
	AccessToken string `json:"access_token,omitempty"`
}

func (s *Server) reportJSON(r *claimdesk.Report, withToken bool) reportJSON {
	c := *r
	c.ReceivedAt, c.UpdatedAt = c.ReceivedAt.In(claimdesk.KST), c.UpdatedAt.In(claimdesk.KST)
	out := reportJSON{Report: &c}
	if withToken {
		out.AccessToken = s.ReportTokens.Token(r.Receipt)
	}
	return out
}

// handleAPICreateReport files a report: POST /api/v1/reports.
func (s *Server) handleAPICreateReport(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !validIdempotencyKey(key) {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "idempotency_key_invalid")
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	in, err := claimdesk.ParseReportJSON(body)
	if err != nil {
		return claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", err.Error())
	}
	in.Report.Channel = claimdesk.ChannelAPI
	if key != "" {
		key = "api:" + key // the form's keys live apart from the partners'
	}
	stored, created, err := s.Reports.CreateReport(r.Context(), in, idempotency(key, in))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/reports/"+stored.Receipt)
	} else {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, status, "application/json", s.reportJSON(stored, true))
	return nil
}

// idempotency is the replay protection of a submission under key ("" for none): the key, and
// the fingerprint of what was sent, so that a key reused for other content is refused.
func idempotency(key string, in *claimdesk.ReportInput) claimdesk.Idempotency {
	if key == "" {
		return claimdesk.Idempotency{}
	}
	return claimdesk.Idempotency{Key: key, Fingerprint: in.Report.Fingerprint()}
}

// readBody reads a request body up to MaxBodyBytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, claimdesk.Errorm(claimdesk.ETOOLARGE, "body_too_large", s.MaxBodyBytes)
	} else if err != nil {
		return nil, claimdesk.Errorm(claimdesk.EMALFORMED, "malformed_json", err.Error())
	}
	return body, nil
}

// validIdempotencyKey accepts 1 to 255 visible ASCII characters (a UUID, typically).
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// handleAPIGetReport answers GET /api/v1/reports/{receipt} to the holder of the report's access
// token. A wrong token and a missing report get the same 404, so that receipts cannot be probed.
func (s *Server) handleAPIGetReport(w http.ResponseWriter, r *http.Request) error {
	receipt, ok := claimdesk.ParseReceipt(r.PathValue("receipt"))
	if !ok {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "receipt_typo")
	}
	if a := claimdesk.ActorFrom(r.Context()); staffOnly(a) {
		rep, err := s.staffReport(r, receipt)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, "application/json", s.reportJSON(rep, false))
		return nil
	}
	token, ok := bearerToken(r)
	if !ok {
		return claimdesk.Errorm(claimdesk.EUNAUTHORIZED, "token_required")
	}
	if !s.ReportTokens.Valid(receipt, token) {
		return claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found")
	}
	rep, err := s.Reports.FindReportByReceipt(r.Context(), receipt)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", s.reportJSON(rep, false))
	return nil
}

// staffReport finds a report for staff as the console shows it: reviewers and those who read
// reports in bulk see any report, intake staff only those they entered (any other is as if it
// did not exist), and whoever lacks the right to personal data sees it masked.
func (s *Server) staffReport(r *http.Request, receipt string) (*claimdesk.Report, error) {
	a := claimdesk.ActorFrom(r.Context())
	if err := allow(a, claimdesk.PermReview, claimdesk.PermPersonalData, claimdesk.PermExport, claimdesk.PermOwnReports); err != nil {
		return nil, err
	}
	rep, err := s.Reports.FindReportByReceipt(r.Context(), receipt)
	if err != nil {
		return nil, err
	}
	if !a.Can(claimdesk.PermReview) && !a.Can(claimdesk.PermExport) && rep.EnteredBy != a.Key() {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "report_not_found")
	}
	if !a.Can(claimdesk.PermPersonalData) {
		rep = rep.Masked()
	}
	return rep, nil
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// requireJSON refuses a body that says it is something other than JSON.
func requireJSON(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return claimdesk.Errorm(claimdesk.EUNSUPPORTED, "unsupported_media")
		}
	}
	return nil
}

// strictJSON decodes one JSON value into v, refusing unknown fields and trailing data.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}
