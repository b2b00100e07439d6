package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// Webhooks delivers partners' messages as the Standard Webhooks specification describes
// (https://www.standardwebhooks.com): a POST of the JSON payload with
//
//	webhook-id:        the message's key, the same on every attempt
//	webhook-timestamp: seconds since 1970
//	webhook-signature: v1,<base64 of HMAC-SHA256(secret, id + "." + timestamp + "." + body)>
//
// where the secret is the base64 after "whsec_" in the subscription's secret. A subscriber
// checks the signature with any of the specification's libraries, and the timestamp against
// replays.
type Webhooks struct {
	Client *http.Client // nil: a client that does not follow redirects
	Now    func() time.Time
}

// Send posts m to its subscriber.
func (h *Webhooks) Send(ctx context.Context, m *claimdesk.Notification) (string, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	sig, err := Sign(m.Secret, m.Key, ts, []byte(m.Body))
	if err != nil {
		return "", Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.To, bytes.NewReader([]byte(m.Body)))
	if err != nil {
		return "", Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "claimdesk-webhooks")
	req.Header.Set("webhook-id", m.Key)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", sig)
	c := h.Client
	if c == nil {
		c = noRedirects
	}
	return post(c, req)
}

// noRedirects is the webhooks' client: a subscriber answers where it was registered, and a
// redirect is answered as the failure it is (a signed payload is not re-sent elsewhere).
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Sign returns the webhook-signature header of a payload: "v1," and the base64 HMAC-SHA256,
// under the secret "whsec_<base64>", of id.timestamp.body.
func Sign(secret, id, timestamp string, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return "", errors.New("webhook secret is not whsec_ and base64")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
