package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/claimdesk/claimdesk"
)

// SMS sends text messages through an HTTP gateway: a POST of
//
//	{"to":"01023456789","text":"...","id":"msg_..."}
//
// as JSON, with "Authorization: Bearer TOKEN" when Token is set. Any 2xx answer means the
// gateway took the message; anything else is retried. The id is the message's key: a gateway
// that keeps the ids it has seen drops a message sent twice.
//
// Korean bulk-SMS providers each have their own format (field names, a sender number, a
// type of SMS or LMS, form encoding). To use one, either put a small relay in front of it
// that maps this request to the provider's, or write another Sender like this one: the
// outbox gives it the number, the text (already within an LMS's 2,000 bytes, with the
// receipt and the link) and the key.
type SMS struct {
	URL    string
	Token  string
	Client *http.Client // nil: http.DefaultClient (the worker bounds each send to 30 s)
}

// Send posts m to the gateway.
func (s *SMS) Send(ctx context.Context, m *claimdesk.Notification) (string, error) {
	body, err := json.Marshal(map[string]string{"to": digits(m.To), "text": m.Body, "id": m.Key})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return "", Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Idempotency-Key", m.Key)
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	return post(s.Client, req)
}

// post sends req and reads the answer: its status and the start of its body.
func post(c *http.Client, req *http.Request) (string, error) {
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	answer := strings.TrimSpace(resp.Status + " " + strings.ToValidUTF8(string(b), "?"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answer, fmt.Errorf("%s answered %s", req.URL.Redacted(), resp.Status)
	}
	return answer, nil
}

// digits keeps a phone number's digits: "010-2345-6789" is sent as "01023456789".
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
