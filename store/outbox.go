package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/claimdesk/claimdesk"
)

// The outbox. An event that a merchant or a partner must hear of writes its messages in the
// transaction that records the event (Tx.notify): a committed event has its messages, a
// rolled-back one has none. The worker (package notify) claims the due messages, delivers
// them and records the outcome; see ClaimMessages.
//
// A queue library was considered first (River, with its database/sql and SQLite drivers): it
// would add its own tables and migrations on both databases and a job per message written
// with its own statements, while PostgreSQL's new reports are written in two pipelined round
// trips (pipeline.go) that the outbox's rows join; and its SQLite driver is, in its own
// words, in early testing. A table and two statements do what is needed here.

// Notices says which messages the store writes: the merchant channels that are switched on
// (configured), and the link to a report that merchants are given. Webhook messages are
// written for the subscriptions in the database, whatever the channels.
type Notices struct {
	Channels []claimdesk.MessageChannel
	Link     func(receipt string) string
	Sender   string // who messages are from ("" for the catalogue's: 피해접수센터)
}

// outbox is the database's share of the outbox: its configuration and the subscriptions,
// read again now and then (another server may have added one).
type outbox struct {
	mu       sync.RWMutex
	notices  Notices
	hooks    []hook
	hooksAt  time.Time // when hooks was read
	hooksBad bool      // the last read failed: try again at the next event
}

// hook is an enabled subscription, as the writer needs it.
type hook struct {
	id     int64
	url    string
	events []string
}

// hooksTTL is how long the subscriptions read from the database are used before being read
// again: a subscription added on another server receives the events from at most this long
// after it was added (on this server, at once).
const hooksTTL = 5 * time.Second

// SetNotices switches the outbox's merchant messages on, for the channels in n. Call it before
// serving; without it, only webhook messages are written.
func (db *DB) SetNotices(n Notices) {
	db.outbox.mu.Lock()
	defer db.outbox.mu.Unlock()
	db.outbox.notices = n
}

// subscribers returns the enabled subscriptions to event, reading them again when they are
// older than hooksTTL (on the reader pool: the writer's transaction does not wait for it).
func (db *DB) subscribers(ctx context.Context, event string) []hook {
	o := &db.outbox
	o.mu.RLock()
	fresh := !o.hooksBad && db.Now().Sub(o.hooksAt) < hooksTTL
	hooks := o.hooks
	o.mu.RUnlock()
	if !fresh {
		hooks = db.readHooks(ctx)
	}
	var out []hook
	for _, h := range hooks {
		if slices.Contains(h.events, event) {
			out = append(out, h)
		}
	}
	return out
}

// readHooks reads the enabled subscriptions into the cache.
func (db *DB) readHooks(ctx context.Context) []hook {
	var hooks []hook
	rows, err := db.reader().QueryContext(ctx, `SELECT id, url, events FROM webhooks WHERE disabled_at IS NULL ORDER BY id`)
	if err == nil {
		for rows.Next() {
			var h hook
			var events string
			if err = rows.Scan(&h.id, &h.url, &events); err != nil {
				break
			}
			h.events = splitList(events)
			hooks = append(hooks, h)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	o := &db.outbox
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		db.logger.Error("read webhooks", "err", err)
		o.hooksBad = true
		return o.hooks
	}
	o.hooks, o.hooksAt, o.hooksBad = hooks, db.Now(), false
	return hooks
}

// forgetHooks makes the next event read the subscriptions again.
func (db *DB) forgetHooks() {
	db.outbox.mu.Lock()
	db.outbox.hooksAt = time.Time{}
	db.outbox.mu.Unlock()
}

// outboxRow is a message to insert.
type outboxRow struct {
	key               string
	report, webhook   sql.NullInt64
	event             string
	channel           claimdesk.MessageChannel
	to, subject, body string
	nextAt, createdAt string
	batch             string
}

const insertMessage = `INSERT INTO messages (key, report_id, webhook_id, event, channel, recipient, subject, body, next_at, created_at, batch)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func (m *outboxRow) args() []any {
	return []any{m.key, m.report, m.webhook, m.event, m.channel, m.to, m.subject, m.body, m.nextAt, m.createdAt, m.batch}
}

// messageKey draws a message's key: what the channel sees (the SMS gateway's id, the e-mail's
// Message-ID, the webhook-id header), so that a message sent twice is recognisably one.
func messageKey() string { return "msg_" + strings.ToLower(rand.Text()) }

// messagesFor returns the messages of an event: n to the merchant through each channel they
// hear through that is switched on, and hookData (when not nil) to each subscription to
// hookEvent. r must have its ID.
func (db *DB) messagesFor(ctx context.Context, n claimdesk.Notice, hookEvent string, hookData map[string]any) ([]outboxRow, error) {
	now := formatTime(db.Now())
	r := n.Report
	var out []outboxRow
	db.outbox.mu.RLock()
	cfg := db.outbox.notices
	db.outbox.mu.RUnlock()
	// A merchant is not told of what they did themselves (an answer, a contest).
	self := claimdesk.ActorFrom(ctx).Kind == claimdesk.ActorMerchant && n.Event == claimdesk.EventStatusChanged
	if n.ForMerchant() && !self && (n.Essential() || !r.FewerMessages) {
		lang := r.Lang
		if lang == "" {
			lang = claimdesk.Korean
		}
		link := ""
		if cfg.Link != nil {
			link = cfg.Link(r.Receipt)
		}
		n.Sender = cfg.Sender
		for _, c := range r.NotifyBy() {
			if !slices.Contains(cfg.Channels, c) {
				continue
			}
			m := outboxRow{key: messageKey(), event: n.Event, channel: c, nextAt: now, createdAt: now, batch: n.Batch}
			if n.Event == claimdesk.EventStatusChanged && n.To == claimdesk.StatusNeedsInfo {
				m.event = claimdesk.EventInfoRequested // told apart in the funnel (see Funnel)
			}
			m.report = sql.NullInt64{Int64: r.ID, Valid: true}
			limit := 0
			if c == claimdesk.BySMS {
				m.to, limit = r.Phone, claimdesk.LMSLimit
			} else {
				m.to = r.Email
			}
			m.subject, m.body = n.Text(lang, link, limit)
			out = append(out, m)
		}
	}
	if hookData == nil {
		return out, nil
	}
	for _, h := range db.subscribers(ctx, hookEvent) {
		m := outboxRow{key: messageKey(), event: hookEvent, channel: claimdesk.ByWebhook, to: h.url, nextAt: now, createdAt: now}
		m.webhook = sql.NullInt64{Int64: h.id, Valid: true}
		if r != nil {
			m.report = sql.NullInt64{Int64: r.ID, Valid: true}
		}
		// The Standard Webhooks payload: type, timestamp, data. The data never holds a
		// merchant's personal data (names, numbers, contacts): a partner reads the report
		// through the API, with what its token may see.
		b, err := json.Marshal(map[string]any{"type": hookEvent, "timestamp": db.Now().UTC().Format(time.RFC3339), "data": hookData})
		if err != nil {
			return nil, fmt.Errorf("webhook payload: %w", err)
		}
		m.body = string(b)
		out = append(out, m)
	}
	return out, nil
}

// notify writes an event's messages (see messagesFor) in the transaction.
func (db *DB) notify(ctx context.Context, tx *Tx, n claimdesk.Notice, hookEvent string, hookData map[string]any) error {
	msgs, err := db.messagesFor(ctx, n, hookEvent, hookData)
	if err != nil {
		return err
	}
	for i := range msgs {
		if _, err := tx.ExecContext(ctx, insertMessage, msgs[i].args()...); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	if len(msgs) > 0 {
		tx.messages = true
	}
	return nil
}

// notifyRun writes the messages of a released run: to each merchant whose offer it shows now
// (all of the run's under a rapid offer, else those of accepted reports), the amount and the
// last day to answer; to the partners subscribed, the run once.
func (db *DB) notifyRun(ctx context.Context, tx *Tx, run int64) error {
	r, err := findRun(ctx, tx, run)
	if err != nil {
		return err
	}
	until := claimdesk.DateOf(r.ReleasedAt.Add(time.Duration(r.AppealDays) * 24 * time.Hour))
	offers, err := amountNotices(ctx, tx, claimdesk.Notice{Event: claimdesk.EventPayoutReleased, Until: until}, "payouts",
		`p.run_id = ? AND p.outcome = 'amount' AND p.amount > 0 AND (? OR r.status = 'accepted')`, run, r.RapidOffer)
	if err != nil {
		return fmt.Errorf("offers to tell: %w", err)
	}
	if err := db.notifyAll(ctx, tx, offers); err != nil {
		return err
	}
	return db.notify(ctx, tx, claimdesk.Notice{}, claimdesk.EventPayoutReleased,
		map[string]any{"run": run, "incident": r.Incident, "policy": r.Policy.ID, "offers": len(offers)})
}

// notifyPaid tells each merchant paid in a payment file the amount sent to their account.
func (db *DB) notifyPaid(ctx context.Context, tx *Tx, file int64) error {
	paid, err := amountNotices(ctx, tx, claimdesk.Notice{Event: claimdesk.EventPaymentMade}, "payments", `p.file_id = ?`, file)
	if err != nil {
		return fmt.Errorf("payments to tell: %w", err)
	}
	return db.notifyAll(ctx, tx, paid)
}

// amountNotices returns n for each report with an amount of its own in table (payouts or
// payments, named p) where `where` holds, in report order: a copy of n with the report and
// the amount. (They are all read before any message is written: on PostgreSQL a connection
// answers one statement at a time.)
func amountNotices(ctx context.Context, tx *Tx, n claimdesk.Notice, table, where string, args ...any) ([]claimdesk.Notice, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+reportColumns+`, p.amount FROM `+reportFrom+` JOIN `+table+` p ON p.report_id = r.id
		WHERE `+where+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []claimdesk.Notice
	for rows.Next() {
		c := n
		if c.Report, err = scanReport(withMore{rows, []any{&c.Amount}}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// notifyAll writes the merchant messages of each notice.
func (db *DB) notifyAll(ctx context.Context, tx *Tx, ns []claimdesk.Notice) error {
	for _, n := range ns {
		if err := db.notify(ctx, tx, n, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// RemindOffers writes a reminder, once per report and run, to each merchant whose offer of the
// latest released run is unanswered and whose window to contest it ends within the next
// `within`. It returns how many it wrote. Servers may all call it: the writer's transaction
// (and on PostgreSQL its lock) makes the check and the write one step.
func (db *DB) RemindOffers(ctx context.Context, within time.Duration) (int, error) {
	if len(db.merchantChannels()) == 0 {
		return 0, nil
	}
	now := db.Now()
	written := 0
	err := db.write(ctx, func(tx *Tx) error {
		written = 0
		var ids []int64
		if err := collectIDs(ctx, tx, &ids, `SELECT max(id) FROM payout_runs WHERE state = 'released' GROUP BY incident_id`); err != nil {
			return err
		}
		for _, id := range ids {
			run, err := findRun(ctx, tx, id)
			if err != nil {
				return err
			}
			days := time.Duration(run.AppealDays) * 24 * time.Hour
			latestStart := now.Add(within - days) // a window opened after this ends later than now+within
			if run.ReleasedAt.After(latestStart) {
				continue
			}
			batch := "run:" + strconv.FormatInt(id, 10)
			candidates, err := amountNotices(ctx, tx, claimdesk.Notice{Event: claimdesk.EventOfferReminder, Batch: batch}, "payouts",
				`p.run_id = ? AND p.outcome = 'amount' AND p.amount > 0 AND (? OR (r.status = 'accepted' AND r.updated_at <= ?))
				AND NOT EXISTS (SELECT 1 FROM offer_responses o WHERE o.report_id = p.report_id AND o.run_id = p.run_id)
				AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.report_id = p.report_id AND x.event = ? AND x.batch = ?)`,
				id, run.RapidOffer, formatTime(latestStart), claimdesk.EventOfferReminder, batch)
			if err != nil {
				return fmt.Errorf("offers to remind: %w", err)
			}
			var due []claimdesk.Notice
			for _, n := range candidates {
				from := run.ReleasedAt // as offer.go opens the window
				if !run.RapidOffer && n.Report.UpdatedAt.After(from) {
					from = n.Report.UpdatedAt
				}
				if until := from.Add(days); until.After(now) {
					n.Until = claimdesk.DateOf(until)
					due = append(due, n)
				}
			}
			if err := db.notifyAll(ctx, tx, due); err != nil {
				return err
			}
			written += len(due)
		}
		return nil
	})
	return written, err
}

// withMore scans a row of reportColumns followed by more columns.
type withMore struct {
	rows *sql.Rows
	more []any
}

func (w withMore) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.more...)...) }

// reportData is what a webhook tells of a report: no personal data.
func reportData(r *Report) map[string]any {
	return map[string]any{"receipt": r.Receipt, "incident": r.Incident, "status": r.Status, "channel": r.Channel}
}

// MessagesWritten is signalled after a commit of this process wrote messages: the worker need
// not wait for its next look. (Another server's messages are found by looking.)
func (db *DB) MessagesWritten() <-chan struct{} { return db.outboxKick }

// ClaimMessages claims up to n messages of channels that are due, for lease: until then no
// other worker (of this server or another) claims them, and each claim counts an attempt. A
// worker that stops while holding a claim leaves its messages to be claimed again when the
// lease ends. (A server claims only the channels it can send: servers configured alike is
// the rule, but a channel one of them lacks is left to the others.)
func (db *DB) ClaimMessages(ctx context.Context, n int, lease time.Duration, channels []claimdesk.MessageChannel) ([]*claimdesk.Notification, error) {
	if len(channels) == 0 {
		return nil, nil
	}
	now := db.Now()
	var out []*claimdesk.Notification
	args := []any{formatTime(now.Add(lease)), formatTime(now)}
	for _, c := range channels {
		args = append(args, c)
	}
	args = append(args, n)
	in := strings.Repeat(", ?", len(channels))[2:]
	// An idle outbox is the rule: a read tells so without a write transaction every poll.
	var due int
	err := db.reader().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM messages
		WHERE status = 'pending' AND next_at <= ? LIMIT 1) d`, formatTime(now)).Scan(&due)
	if err != nil || due == 0 {
		return nil, err
	}
	err = db.outboxWrite(ctx, func(q execer) error {
		out = out[:0]
		lock := ""
		if db.pg {
			lock = ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := q.QueryContext(ctx, `UPDATE messages SET next_at = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM messages WHERE status = 'pending' AND next_at <= ? AND channel IN (`+in+`)
				AND (webhook_id IS NULL OR webhook_id NOT IN (SELECT id FROM webhooks WHERE disabled_at IS NOT NULL))
				ORDER BY next_at, id LIMIT ?`+lock+`)
			RETURNING id, key, report_id, webhook_id, event, channel, recipient, subject, body, attempts, created_at`, args...)
		if err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m claimdesk.Notification
			var report, webhook sql.NullInt64
			var created string
			if err := rows.Scan(&m.ID, &m.Key, &report, &webhook, &m.Event, &m.Channel, &m.To, &m.Subject, &m.Body, &m.Attempts, &created); err != nil {
				return fmt.Errorf("claim messages: %w", err)
			}
			m.WebhookID = webhook.Int64
			m.CreatedAt, _ = parseTime(created)
			m.Status = claimdesk.MessagePending
			out = append(out, &m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *claimdesk.Notification) int { return cmp.Compare(a.ID, b.ID) })
	// Webhook messages are signed with their subscription's secret, read once a batch.
	secrets := map[int64]string{}
	for _, m := range out {
		if m.WebhookID == 0 {
			continue
		}
		if _, ok := secrets[m.WebhookID]; !ok {
			var secret string
			if err := db.reader().QueryRowContext(ctx, `SELECT secret FROM webhooks WHERE id = ?`, m.WebhookID).Scan(&secret); err != nil {
				return nil, fmt.Errorf("webhook %d secret: %w", m.WebhookID, err)
			}
			secrets[m.WebhookID] = secret
		}
		m.Secret = secrets[m.WebhookID]
	}
	return out, nil
}

// MessageOutcome is what became of one attempt to deliver a claimed message.
type MessageOutcome struct {
	Sent   bool
	Answer string    // the channel's answer, shortened
	Err    string    // why it failed
	Retry  time.Time // when to try again, if it failed; zero: give up
}

// RecordMessage records the outcome of the attempt the message was claimed for. It records
// nothing when the claim was lost (the lease ended and another worker claimed it again):
// that worker's outcome counts. A webhook's failures and successes move its subscription's
// failing_since; a subscription that has failed for longer than WebhookGiveUp, or whose
// message was given up, is disabled, and the administrators are told.
func (db *DB) RecordMessage(ctx context.Context, m *claimdesk.Notification, o MessageOutcome) error {
	return db.RecordMessages(ctx, []Delivery{{m, o}})
}

// Delivery is a claimed message and what became of the attempt.
type Delivery struct {
	Message *claimdesk.Notification
	Outcome MessageOutcome
}

// RecordMessages records several outcomes (as RecordMessage does) in one transaction: a worker
// records a batch's at once, which costs the writer one operation, not one per message.
func (db *DB) RecordMessages(ctx context.Context, ds []Delivery) error {
	now := db.Now()
	return db.outboxWrite(ctx, func(q execer) error {
		for _, d := range ds {
			if err := db.recordMessage(ctx, q, d.Message, d.Outcome, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) recordMessage(ctx context.Context, q execer, m *claimdesk.Notification, o MessageOutcome, now time.Time) error {
	var res sql.Result
	var err error
	switch {
	case o.Sent:
		res, err = q.ExecContext(ctx, `UPDATE messages SET status = 'sent', sent_at = ?, answer = ?, last_error = ''
			WHERE id = ? AND attempts = ? AND status = 'pending'`, formatTime(now), o.Answer, m.ID, m.Attempts)
	case o.Retry.IsZero():
		res, err = q.ExecContext(ctx, `UPDATE messages SET status = 'failed', answer = ?, last_error = ?
			WHERE id = ? AND attempts = ? AND status = 'pending'`, o.Answer, o.Err, m.ID, m.Attempts)
	default:
		res, err = q.ExecContext(ctx, `UPDATE messages SET next_at = ?, answer = ?, last_error = ?
			WHERE id = ? AND attempts = ? AND status = 'pending'`, formatTime(o.Retry), o.Answer, o.Err, m.ID, m.Attempts)
	}
	if err != nil {
		return fmt.Errorf("record message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 || m.WebhookID == 0 {
		return nil
	}
	if o.Sent {
		_, err = q.ExecContext(ctx, `UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`, m.WebhookID)
		return err
	}
	if _, err = q.ExecContext(ctx, `UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL`, formatTime(now), m.WebhookID); err != nil {
		return err
	}
	// Disabled once a message is given up, or after a day of failures (of any messages).
	cutoff := now.Add(-WebhookGiveUp)
	if o.Retry.IsZero() {
		cutoff = now
	}
	res, err = q.ExecContext(ctx, `UPDATE webhooks SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL AND failing_since <= ?`,
		formatTime(now), m.WebhookID, formatTime(cutoff))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		db.forgetHooks()
		db.logger.Warn("webhook disabled: it has failed for a day", "webhook", m.WebhookID, "url", m.To, "last_error", o.Err)
		return db.noticeAdmins(ctx, q, m, o.Err)
	}
	return nil
}

// WebhookGiveUp is how long a subscription may fail before it is disabled, and how long a
// message is retried.
const WebhookGiveUp = 24 * time.Hour

// noticeAdmins tells the administrators, by e-mail when it is switched on, that a webhook was
// disabled.
func (db *DB) noticeAdmins(ctx context.Context, q execer, m *claimdesk.Notification, lastErr string) error {
	if !slices.Contains(db.merchantChannels(), claimdesk.ByEmail) {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT email FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id`)
	if err != nil {
		return err
	}
	var to []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return err
		}
		to = append(to, e)
	}
	rows.Close()
	now := formatTime(db.Now())
	db.outbox.mu.RLock()
	sender := db.outbox.notices.Sender
	db.outbox.mu.RUnlock()
	subject := claimdesk.SenderLabel(claimdesk.Korean, sender) + claimdesk.Message(claimdesk.Korean, "notice.subject.webhook_off", m.To)
	body := claimdesk.Message(claimdesk.Korean, "notice.webhook_off", m.To, lastErr)
	for _, addr := range to {
		r := outboxRow{key: messageKey(), event: claimdesk.EventWebhookOff, channel: claimdesk.ByEmail, to: addr,
			subject: subject, body: body, nextAt: now, createdAt: now}
		if _, err := q.ExecContext(ctx, insertMessage, r.args()...); err != nil {
			return err
		}
	}
	return nil
}

// execer runs statements of the outbox's own transactions.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// outboxWrite runs fn in a transaction of its own. On PostgreSQL it runs on the reader pool,
// outside the writer and its lock (claims use row locks), and commits without waiting for the
// disk: a claim or an outcome lost in a crash only means a message sent again, under the same
// key, after its lease — what the key is for — while the fsyncs are left to the reports.
// SQLite has one writer, so it goes through it.
func (db *DB) outboxWrite(ctx context.Context, fn func(q execer) error) error {
	if !db.pg {
		return db.write(ctx, func(tx *Tx) error { return fn(tx) })
	}
	tx, err := db.readDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit TO OFF`); err != nil {
		tx.Rollback()
		return err
	}
	if err := fn(pgTx{tx, db}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// pgTx runs statements written with ? placeholders in a PostgreSQL transaction.
type pgTx struct {
	tx *sql.Tx
	db *DB
}

func (t pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.q(query), args...)
}

func (t pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.db.q(query), args...)
}

// NoticeService is the outbox's public side (see claimdesk.NoticeService).
type NoticeService struct{ db *DB }

var _ claimdesk.NoticeService = (*NoticeService)(nil)

// NewNoticeService returns a NoticeService on db.
func NewNoticeService(db *DB) *NoticeService { return &NoticeService{db: db} }

// CreateWebhook registers a subscription with a new secret.
func (s *NoticeService) CreateWebhook(ctx context.Context, rawURL string, events []string) (*claimdesk.Webhook, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return nil, err
	}
	rawURL = strings.TrimSpace(rawURL)
	if err := claimdesk.CheckWebhook(rawURL, events); err != nil {
		return nil, err
	}
	secret := make([]byte, 24)
	rand.Read(secret)
	now := s.db.Now().UTC().Truncate(time.Microsecond)
	w := &claimdesk.Webhook{URL: rawURL, Events: events, Secret: "whsec_" + base64.StdEncoding.EncodeToString(secret),
		CreatedBy: claimdesk.ActorFrom(ctx).String(), CreatedAt: now}
	err := s.db.write(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (url, events, secret, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			w.URL, joinList(w.Events), w.Secret, w.CreatedBy, formatTime(now)).Scan(&w.ID)
		if err != nil {
			return fmt.Errorf("add webhook: %w", err)
		}
		return s.db.audit(ctx, tx, claimdesk.AuditWebhookAdded, 0, "", map[string]any{"webhook": w.ID, "url": w.URL, "events": w.Events})
	})
	if err != nil {
		return nil, err
	}
	s.db.forgetHooks()
	return w, nil
}

// Webhooks lists the subscriptions, newest first.
func (s *NoticeService) Webhooks(ctx context.Context) ([]*claimdesk.Webhook, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return nil, err
	}
	rows, err := s.db.reader().QueryContext(ctx, `SELECT id, url, events, created_by, created_at, coalesce(failing_since, ''), coalesce(disabled_at, '')
		FROM webhooks ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*claimdesk.Webhook
	for rows.Next() {
		var w claimdesk.Webhook
		var events, created, failing, disabled string
		if err := rows.Scan(&w.ID, &w.URL, &events, &w.CreatedBy, &created, &failing, &disabled); err != nil {
			return nil, err
		}
		w.Events = splitList(events)
		w.CreatedAt, _ = parseTime(created)
		w.FailingSince, w.DisabledAt = optTime(failing), optTime(disabled)
		out = append(out, &w)
	}
	return out, rows.Err()
}

func optTime(s string) *time.Time {
	if t, err := parseTime(s); s != "" && err == nil {
		return &t
	}
	return nil
}

const messageColumns = `m.id, m.key, coalesce(r.receipt, ''), coalesce(m.webhook_id, 0), m.event, m.channel, m.recipient, m.subject, m.body,
	m.status, m.attempts, m.last_error, m.answer, m.created_at, coalesce(m.sent_at, ''), m.next_at`

func (db *DB) messages(ctx context.Context, where string, limit int, args ...any) ([]*claimdesk.Notification, error) {
	rows, err := db.reader().QueryContext(ctx, `SELECT `+messageColumns+` FROM messages m LEFT JOIN reports r ON r.id = m.report_id
		WHERE `+where+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	defer rows.Close()
	var out []*claimdesk.Notification
	for rows.Next() {
		var m claimdesk.Notification
		var created, sent, next string
		if err := rows.Scan(&m.ID, &m.Key, &m.Receipt, &m.WebhookID, &m.Event, &m.Channel, &m.To, &m.Subject, &m.Body,
			&m.Status, &m.Attempts, &m.LastError, &m.Answer, &created, &sent, &next); err != nil {
			return nil, fmt.Errorf("messages: %w", err)
		}
		m.CreatedAt, _ = parseTime(created)
		m.NextAt, _ = parseTime(next)
		m.SentAt = optTime(sent)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// Deliveries lists a subscription's messages, newest first.
func (s *NoticeService) Deliveries(ctx context.Context, webhook int64, limit int) ([]*claimdesk.Notification, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.db.messages(ctx, `m.webhook_id = ? ORDER BY m.id DESC`, limit, webhook)
}

// Replay sends a subscription's message again and enables the subscription.
func (s *NoticeService) Replay(ctx context.Context, webhook int64, key string) error {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return err
	}
	now := formatTime(s.db.Now())
	err := s.db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET status = 'pending', next_at = ?, created_at = ? WHERE webhook_id = ? AND key = ?`,
			now, now, webhook, key)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return claimdesk.Errorm(claimdesk.ENOTFOUND, "message_not_found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET disabled_at = NULL, failing_since = NULL WHERE id = ?`, webhook); err != nil {
			return err
		}
		tx.messages = true
		return s.db.audit(ctx, tx, claimdesk.AuditWebhookReplay, 0, "", map[string]any{"webhook": webhook, "message": key})
	})
	s.db.forgetHooks()
	return err
}

// Recover sends the receipts of the reports filed with phone and businessNumber to their
// contacts on file.
func (s *NoticeService) Recover(ctx context.Context, phone, businessNumber string) (int, error) {
	if len(s.db.merchantChannels()) == 0 {
		return 0, claimdesk.Errorm(claimdesk.EUNAVAILABLE, "recovery_off")
	}
	phone, ok := claimdesk.NormalizePhone(phone)
	brn, code := claimdesk.NormalizeBusinessNumber(businessNumber)
	if !ok || code != "" {
		return 0, nil // no report has them
	}
	since := formatTime(s.db.Now().Add(-24 * time.Hour))
	sent := 0
	err := s.db.write(ctx, func(tx *Tx) error {
		sent = 0
		rows, err := tx.QueryContext(ctx, `SELECT `+reportColumns+` FROM `+reportFrom+`
			WHERE r.phone = ? AND r.business_number = ? AND NOT r.demo ORDER BY r.id DESC LIMIT 10`, phone, brn)
		if err != nil {
			return fmt.Errorf("recover receipts: %w", err)
		}
		var found []*Report
		for rows.Next() {
			r, err := scanReport(rows)
			if err != nil {
				rows.Close()
				return err
			}
			found = append(found, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range found {
			var recent int
			if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT created_at) FROM messages
				WHERE report_id = ? AND event = ? AND created_at > ?`, r.ID, claimdesk.EventRecovery, since).Scan(&recent); err != nil {
				return err
			}
			if recent >= claimdesk.MaxRecoveries {
				continue
			}
			if err := s.db.notify(ctx, tx, claimdesk.Notice{Event: claimdesk.EventRecovery, Report: r}, "", nil); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, err
}

// merchantChannels returns the merchant channels switched on.
func (db *DB) merchantChannels() []claimdesk.MessageChannel {
	db.outbox.mu.RLock()
	defer db.outbox.mu.RUnlock()
	return db.outbox.notices.Channels
}

// Batch tells how far a batch's messages have gone.
func (s *NoticeService) Batch(ctx context.Context, batch string) (*claimdesk.BatchProgress, error) {
	if err := claimdesk.Require(ctx, claimdesk.PermReview); err != nil {
		return nil, err
	}
	rows, err := s.db.reader().QueryContext(ctx, `SELECT channel, status, count(*) FROM messages WHERE batch = ? GROUP BY channel, status`, batch)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	defer rows.Close()
	p := &claimdesk.BatchProgress{Batch: batch, Counts: map[claimdesk.MessageChannel]map[claimdesk.MessageStatus]int{}}
	for rows.Next() {
		var c claimdesk.MessageChannel
		var st claimdesk.MessageStatus
		var n int
		if err := rows.Scan(&c, &st, &n); err != nil {
			return nil, err
		}
		if p.Counts[c] == nil {
			p.Counts[c] = map[claimdesk.MessageStatus]int{}
		}
		p.Counts[c][st] = n
		p.Total += n
		if st != claimdesk.MessagePending {
			p.Done += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if p.Total == 0 {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "not_found")
	}
	return p, nil
}

// SetPreferences changes how the merchant hears of the report.
func (s *NoticeService) SetPreferences(ctx context.Context, receipt string, p *Report) error {
	return s.db.write(ctx, func(tx *Tx) error {
		r, err := findReport(ctx, tx, `r.receipt = ?`, receipt)
		if err != nil {
			return err
		}
		r.Notify, r.Lang, r.FewerMessages = p.Notify, p.Lang, p.FewerMessages
		if err := r.CheckPreferences(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET notify = ?, lang = ?, fewer_messages = ? WHERE id = ?`,
			joinChannels(r.Notify), string(r.Lang), r.FewerMessages, r.ID); err != nil {
			return fmt.Errorf("message preferences: %w", err)
		}
		return s.db.audit(ctx, tx, claimdesk.AuditPreferences, r.ID, r.Receipt,
			map[string]any{"notify": r.Notify, "lang": r.Lang, "fewer_messages": r.FewerMessages})
	})
}

// Messages lists a report's messages, oldest first: staff see all; a merchant (the actor
// holding the report's link) sees those sent to them, not partners'.
func (s *NoticeService) Messages(ctx context.Context, receipt string) ([]*claimdesk.Notification, error) {
	where := `r.receipt = ? ORDER BY m.id`
	if claimdesk.ActorFrom(ctx).Kind == claimdesk.ActorMerchant {
		where = `r.receipt = ? AND m.channel != 'webhook' ORDER BY m.id`
	}
	return s.db.messages(ctx, where, 200, receipt)
}
