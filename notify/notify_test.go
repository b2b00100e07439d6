package notify_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/notify"
	"github.com/claimdesk/claimdesk/pgtest"
	"github.com/claimdesk/claimdesk/store"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// sinks are the other ends of the channels: an SMS gateway that refuses the first attempts, an
// SMTP server that wants STARTTLS and a password, and a partner that checks signatures with
// the Standard Webhooks reference library.
type sinks struct {
	mu       sync.Mutex
	failSMS  int               // attempts still to refuse
	attempts int               // SMS attempts, refused ones included
	sms      map[string]string // accepted texts by id
	mails    []*mail.Message
	bodies   []string // the mails' text parts
	hooks    []string // verified payloads
	bad      []string // what a sink refused as malformed

	gateway, partner *httptest.Server
	smtpAddr         string
	tls              *tls.Config // what the client trusts
	secret           string      // the partner's, set once it is registered
}

func newSinks(t *testing.T, failSMS int) *sinks {
	k := &sinks{failSMS: failSMS, sms: map[string]string{}}
	k.gateway = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct{ To, Text, ID string }
		err := json.NewDecoder(r.Body).Decode(&msg)
		k.mu.Lock()
		defer k.mu.Unlock()
		k.attempts++
		if err != nil || r.Header.Get("Authorization") != "Bearer gw-token" || msg.To != "01023456789" || msg.ID == "" {
			k.bad = append(k.bad, "sms: "+msg.To+" "+r.Header.Get("Authorization"))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if k.failSMS > 0 {
			k.failSMS--
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		k.sms[msg.ID] = msg.Text
		w.Write([]byte(`{"result":"ok"}`))
	}))
	t.Cleanup(k.gateway.Close)
	k.partner = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		k.mu.Lock()
		defer k.mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(k.secret)
		if err == nil {
			err = wh.Verify(body, r.Header)
		}
		if err != nil {
			k.bad = append(k.bad, "webhook: "+err.Error())
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		k.hooks = append(k.hooks, string(body))
	}))
	t.Cleanup(k.partner.Close)

	// The SMTP server uses httptest's certificate (valid for 127.0.0.1), which the client is
	// made to trust.
	certs := httptest.NewUnstartedServer(nil)
	certs.StartTLS()
	pool := x509.NewCertPool()
	pool.AddCert(certs.Certificate())
	k.tls = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{k: k}, nil }))
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = &tls.Config{Certificates: certs.TLS.Certificates}
	certs.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k.smtpAddr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return k
}

// session is one SMTP connection: PLAIN authentication (only over TLS: the server does not
// allow it in the clear), then one message at a time.
type session struct {
	k    *sinks
	auth bool
	to   []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "claims" || pass != "s3cret" {
			return errors.New("bad password")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *session) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *session) Reset()                                    { s.to = nil }
func (s *session) Logout() error                             { return nil }
func (s *session) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	text, err := plainText(m)
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	if err != nil {
		s.k.bad = append(s.k.bad, "mail: "+err.Error())
		return err
	}
	s.k.mails = append(s.k.mails, m)
	s.k.bodies = append(s.k.bodies, text)
	return nil
}

// plainText decodes a message's text/plain part as a mail reader would.
func plainText(m *mail.Message) (string, error) {
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		return "", errors.New("not multipart/alternative")
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var text, html string
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		} else if err != nil {
			return "", err
		}
		b, _ := io.ReadAll(p)
		switch p.Header.Get("Content-Type") {
		case "text/plain; charset=UTF-8":
			text = string(b)
		case "text/html; charset=UTF-8":
			html = string(b)
		}
	}
	if text == "" || !strings.Contains(html, "<a href=") {
		return "", errors.New("want a text part and an HTML part with the link")
	}
	return text, nil
}

func (k *sinks) snapshot() (attempts int, sms map[string]string, bodies, hooks, bad []string, mails []*mail.Message) {
	k.mu.Lock()
	defer k.mu.Unlock()
	sms = map[string]string{}
	for id, text := range k.sms {
		sms[id] = text
	}
	return k.attempts, sms, append([]string(nil), k.bodies...), append([]string(nil), k.hooks...), append([]string(nil), k.bad...), append([]*mail.Message(nil), k.mails...)
}

func cli(t *testing.T) context.Context {
	return claimdesk.WithActor(t.Context(), claimdesk.Actor{Kind: claimdesk.ActorCLI, Name: "test"})
}

func newReport() *claimdesk.Report {
	return &claimdesk.Report{
		Channel: claimdesk.ChannelAPI, Incident: "kakao-2022-10", BusinessName: "행복떡집", BusinessNumber: "120-81-47521",
		Representative: "김민지", Phone: "010-2345-6789", Email: "owner@example.org", Region: "41", Industry: "food",
		Services:    []string{"talk-channel"},
		DamageStart: claimdesk.Date{Year: 2022, Month: 10, Day: 15}, DamageEnd: claimdesk.Date{Year: 2022, Month: 10, Day: 16},
		ClaimedLoss: 300_000, Consent: true,
	}
}

// Every message reaches its channel exactly once, in Korean, with the receipt and the link:
// the text messages after the gateway refused the first attempts, the e-mails over STARTTLS
// with a password, the webhooks signed as the Standard Webhooks library verifies. On
// PostgreSQL two servers' workers deliver them together.
func TestDelivery(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), store.FileName), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		testDelivery(t, db, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		db, err := store.OpenPostgres(t.Context(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		second, err := store.OpenPostgres(t.Context(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { second.Close() })
		testDelivery(t, db, second)
	})
}

func testDelivery(t *testing.T, db, second *store.DB) {
	t.Cleanup(func() { db.Close() })
	c := cli(t)
	if err := store.SeedReferenceIncidents(c, store.NewIncidentService(db)); err != nil {
		t.Fatal(err)
	}
	k := newSinks(t, 2)
	link := func(receipt string) string { return "https://claims.example.org/reports/" + receipt + "?token=tok" }
	channels := []claimdesk.MessageChannel{claimdesk.BySMS, claimdesk.ByEmail}
	notices := store.NewNoticeService(db)
	hook, err := notices.CreateWebhook(c, k.partner.URL+"/hook", []string{claimdesk.EventReportCreated, claimdesk.EventStatusChanged})
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	k.secret = hook.Secret
	k.mu.Unlock()

	var workers []*notify.Worker
	for _, d := range []*store.DB{db, second} {
		if d == nil {
			continue
		}
		d.SetNotices(store.Notices{Channels: channels, Link: link})
		w := &notify.Worker{DB: d, Backoff: []time.Duration{20 * time.Millisecond}, Poll: 50 * time.Millisecond, Batch: 2,
			Senders: map[claimdesk.MessageChannel]notify.Sender{
				claimdesk.BySMS:     &notify.SMS{URL: k.gateway.URL + "/send", Token: "gw-token"},
				claimdesk.ByEmail:   &notify.Mail{Server: &url.URL{Scheme: "smtp", Host: k.smtpAddr, User: url.UserPassword("claims", "s3cret")}, From: "피해접수센터 <claims@example.org>", TLS: k.tls},
				claimdesk.ByWebhook: &notify.Webhooks{},
			}}
		w.Start()
		workers = append(workers, w)
	}
	r, _, err := store.NewReportService(db).CreateReport(c, &claimdesk.ReportInput{Report: *newReport()}, claimdesk.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	ask := "사업자등록증 사본을 올려 주세요"
	if _, err := store.NewReviewService(db).ChangeStatus(c, r.Receipt, claimdesk.StatusChange{To: claimdesk.StatusNeedsInfo, Message: ask}); err != nil {
		t.Fatal(err)
	}

	// Wait until the outbox has nothing pending.
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs, err := notices.Messages(c, r.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, m := range msgs {
			if m.Status != claimdesk.MessageSent {
				pending++
			}
		}
		if len(msgs) == 6 && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages, %d not sent after 30 s", len(msgs), pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, w := range workers {
		w.Stop()
	}

	attempts, sms, bodies, hooks, bad, mails := k.snapshot()
	if len(bad) > 0 {
		t.Fatalf("sinks refused: %v", bad)
	}
	if len(sms) != 2 || attempts != 4 {
		t.Fatalf("gateway: %d texts accepted after %d attempts, want 2 after 4 (two refused)", len(sms), attempts)
	}
	var sawAsk bool
	for _, text := range sms {
		if !strings.Contains(text, r.Receipt) || !strings.Contains(text, link(r.Receipt)) || claimdesk.LMSBytes(text) > claimdesk.LMSLimit {
			t.Fatalf("text %q: want the receipt and the link within an LMS", text)
		}
		sawAsk = sawAsk || strings.Contains(text, ask)
	}
	if !sawAsk {
		t.Fatalf("no text carried the request %q: %v", ask, sms)
	}
	if len(mails) != 2 {
		t.Fatalf("%d e-mails, want 2", len(mails))
	}
	dec := new(mime.WordDecoder)
	for i, m := range mails {
		subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || !strings.Contains(subject, "피해접수센터") || !strings.Contains(subject, r.Receipt) {
			t.Fatalf("subject %q (%v): want Korean with the receipt", subject, err)
		}
		if to := m.Header.Get("To"); to != "<owner@example.org>" {
			t.Fatalf("To: %q", to)
		}
		if !strings.Contains(bodies[i], r.Receipt) || !strings.Contains(bodies[i], link(r.Receipt)) {
			t.Fatalf("e-mail text %q: want the receipt and the link", bodies[i])
		}
		if id := m.Header.Get("Message-Id"); !strings.HasPrefix(id, "<msg_") {
			t.Fatalf("Message-ID %q: want the message's key", id)
		}
	}
	if len(hooks) != 2 || !strings.Contains(hooks[0]+hooks[1], `"type":"report.created"`) || !strings.Contains(hooks[0]+hooks[1], `"type":"report.status_changed"`) {
		t.Fatalf("webhooks: %v", hooks)
	}
	deliveries, err := notices.Deliveries(c, hook.ID, 10)
	if err != nil || len(deliveries) != 2 || deliveries[0].Answer == "" || deliveries[0].Status != claimdesk.MessageSent {
		t.Fatalf("deliveries %v, %v: want both, sent, with the partner's answer", deliveries, err)
	}
}

// A subscriber that fails for a day is disabled, the administrators are told by e-mail, and a
// replay enables it again.
func TestWebhookGivenUp(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := cli(t)
	if err := store.SeedReferenceIncidents(c, store.NewIncidentService(db)); err != nil {
		t.Fatal(err)
	}
	users := store.NewUserService(db)
	if err := users.CreateUser(c, &claimdesk.User{Email: "admin@example.org", Role: claimdesk.RoleAdmin}, "correct horse battery staple 9"); err != nil {
		t.Fatal(err)
	}
	db.SetNotices(store.Notices{Channels: []claimdesk.MessageChannel{claimdesk.ByEmail}})
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
	defer down.Close()
	notices := store.NewNoticeService(db)
	hook, err := notices.CreateWebhook(c, down.URL, []string{claimdesk.EventReportCreated})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	db.SetClock(func() time.Time { return now })
	if _, _, err := store.NewReportService(db).CreateReport(c, &claimdesk.ReportInput{Report: *newReport()}, claimdesk.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{DB: db, Senders: map[claimdesk.MessageChannel]notify.Sender{claimdesk.ByWebhook: &notify.Webhooks{}}}
	hooks := []claimdesk.MessageChannel{claimdesk.ByWebhook}
	// Attempts an hour apart (the clock is moved, the lease with it) for a day and more.
	for i := 0; i < 30; i++ {
		w.Backoff = []time.Duration{time.Hour}
		w.Lease = time.Minute
		w.Batch = 10
		w.Parallel = 1
		if _, err := w.Once(c, hooks); err != nil {
			t.Fatal(err)
		}
		now = now.Add(61 * time.Minute)
	}
	list, err := notices.Webhooks(c)
	if err != nil || len(list) != 1 || list[0].DisabledAt == nil || list[0].FailingSince == nil {
		t.Fatalf("webhooks %+v, %v: want it disabled after failing for a day", list, err)
	}
	d, err := notices.Deliveries(c, hook.ID, 10)
	if err != nil || len(d) != 1 || d[0].Status != claimdesk.MessageFailed || !strings.Contains(d[0].Answer, "502") {
		t.Fatalf("deliveries %+v, %v: want one, failed, with the 502 answer", d, err)
	}
	mails, err := db.ClaimMessages(c, 10, time.Minute, []claimdesk.MessageChannel{claimdesk.ByEmail})
	if err != nil || len(mails) != 2 { // the merchant's receipt, and the administrator's notice
		t.Fatalf("e-mails %v, %v", mails, err)
	}
	if m := mails[1]; m.To != "admin@example.org" || !strings.Contains(m.Body, down.URL) {
		t.Fatalf("administrators' notice %+v", m)
	}
	if err := notices.Replay(c, hook.ID, d[0].Key); err != nil {
		t.Fatal(err)
	}
	if list, _ := notices.Webhooks(c); list[0].DisabledAt != nil {
		t.Fatal("a replay left the subscription disabled")
	}
	if again, _ := db.ClaimMessages(c, 10, time.Minute, hooks); len(again) != 1 || again[0].Key != d[0].Key {
		t.Fatalf("after a replay: %v, want the same message again", again)
	}
	wantCode(t, notices.Replay(c, hook.ID, "msg_nosuch"), claimdesk.ENOTFOUND)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := claimdesk.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// Our signature is the one the reference library makes.
func TestSignMatchesReference(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"type":"report.created","data":{"receipt":"K-1"}}`)
	ts := time.Unix(1_700_000_000, 0)
	got, err := notify.Sign(secret, "msg_1", "1700000000", body)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	want, err := wh.Sign("msg_1", ts, body)
	if err != nil || got != want {
		t.Fatalf("Sign = %q, reference %q (%v)", got, want, err)
	}
}
