package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/claimdesk/claimdesk"
)

// Mail sends e-mail through an SMTP server: STARTTLS whenever the server offers it (a server
// named by smtps:// is spoken to over TLS from the start), PLAIN authentication when the URL
// carries a user, a plain-text and an HTML part, and the subject encoded for any mail reader
// (RFC 2047). The Message-ID holds the message's key.
type Mail struct {
	Server *url.URL // smtp://user:pass@host:587 or smtps://host:465
	From   string   // "claimdesk@example.org" or "피해접수센터 <claims@example.org>"
	// TLS, when set, replaces the TLS configuration (tests trust their own certificate).
	TLS *tls.Config
	Now func() time.Time
}

// ParseSMTP checks an --smtp URL and a --mail-from address.
func ParseSMTP(rawURL, from string) (*Mail, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("--smtp %q: want smtp://[user:password@]host[:port] or smtps://...", rawURL)
	}
	if from == "" {
		return nil, errors.New("--smtp needs --mail-from, the address messages come from")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("--mail-from %q: %w", from, err)
	}
	return &Mail{Server: u, From: from}, nil
}

// Send delivers m to its address.
func (s *Mail) Send(ctx context.Context, m *claimdesk.Notification) (string, error) {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return "", Permanent(err)
	}
	msg, err := s.compose(from, m)
	if err != nil {
		return "", Permanent(err)
	}
	host, port := s.Server.Hostname(), s.Server.Port()
	if port == "" {
		port = "25"
		if s.Server.Scheme == "smtps" {
			port = "465"
		}
	}
	tlsConf := s.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: host}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return "", err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if s.Server.Scheme == "smtps" {
		conn = tls.Client(conn, tlsConf)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return "", err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && s.Server.Scheme == "smtp" {
		if err := c.StartTLS(tlsConf); err != nil {
			return "", fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if u := s.Server.User; u != nil {
		pass, _ := u.Password()
		if err := c.Auth(smtp.PlainAuth("", u.Username(), pass, host)); err != nil {
			return "", smtpErr("AUTH", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return "", smtpErr("MAIL FROM", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return "", smtpErr("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return "", smtpErr("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", smtpErr("DATA", err)
	}
	c.Quit()
	return "250 accepted for " + m.To, nil
}

// smtpErr names the command a server refused; a 5xx refusal is permanent (the address does
// not exist, the message is refused), anything else is retried.
func smtpErr(cmd string, err error) error {
	err = fmt.Errorf("%s: %w", cmd, err)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(err)
	}
	return err
}

// compose writes the message: headers, then a multipart/alternative body with the text and
// its HTML rendering, both quoted-printable UTF-8.
func (s *Mail) compose(from *mail.Address, m *claimdesk.Notification) ([]byte, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", m.To, err)
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	head := []string{
		"From: " + from.String(),
		"To: " + to.String(),
		"Subject: " + mime.BEncoding.Encode("UTF-8", m.Subject),
		"Date: " + now().Format(time.RFC1123Z),
		"Message-ID: <" + m.Key + "@" + domain + ">",
		"MIME-Version: 1.0",
		"Content-Type: multipart/alternative; boundary=" + mw.Boundary(),
	}
	var out bytes.Buffer
	out.WriteString(strings.Join(head, "\r\n") + "\r\n\r\n")
	for _, part := range []struct{ typ, text string }{
		{"text/plain; charset=UTF-8", m.Body},
		{"text/html; charset=UTF-8", htmlBody(m.Body)},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.typ}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		qp.Write([]byte(strings.ReplaceAll(part.text, "\n", "\r\n")))
		qp.Close()
	}
	mw.Close()
	out.Write(b.Bytes())
	return out.Bytes(), nil
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// htmlBody renders a message's text as HTML: escaped, its links clickable, its lines kept.
func htmlBody(text string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">`)
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("<br>\n")
		}
		last := 0
		for _, loc := range linkPattern.FindAllStringIndex(line, -1) {
			b.WriteString(html.EscapeString(line[last:loc[0]]))
			u := line[loc[0]:loc[1]]
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, html.EscapeString(u), html.EscapeString(u))
			last = loc[1]
		}
		b.WriteString(html.EscapeString(line[last:]))
	}
	b.WriteString("</body></html>\n")
	return b.String()
}
