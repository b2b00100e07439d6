// Package notify delivers the outbox's messages (see store/outbox.go): text messages through an
// HTTP gateway, e-mail through SMTP, and partners' webhooks, signed as Standard Webhooks
// specifies. A Worker runs in every server: it claims the due messages, sends each through its
// channel, and records the outcome, retrying a failure with backoff for up to a day.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
	"golang.org/x/time/rate"
)

// Sender delivers a message through one channel. It returns the channel's answer (shortened,
// for the console) and an error when the message was not accepted; an error wrapped by
// Permanent is not retried.
type Sender interface {
	Send(ctx context.Context, m *claimdesk.Notification) (answer string, err error)
}

// Permanent marks an error that retrying cannot cure (an address the mail server refuses).
func Permanent(err error) error { return permanent{err} }

type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Observer counts deliveries, for metrics: outcome is "sent", "retry" or "failed".
type Observer interface {
	MessageDelivered(channel, outcome string)
}

// Worker delivers the messages of the channels it has senders for.
type Worker struct {
	DB      *store.DB
	Senders map[claimdesk.MessageChannel]Sender
	// Limits pace a channel to what its gateway allows (nil: as fast as it answers).
	Limits   map[claimdesk.MessageChannel]*rate.Limiter
	Logger   *slog.Logger
	Observer Observer

	Poll     time.Duration // how often to look for due messages when not told of new ones; 0: 1 s
	Lease    time.Duration // how long a claim lasts; 0: 2 minutes
	Batch    int           // messages claimed at once; 0: 32
	Parallel int           // messages sent at once; 0: 4
	// Backoff is the wait after each failed attempt, the last repeated (nil: DefaultBackoff).
	Backoff []time.Duration
	// Remind is how often to look for offers whose window to contest closes within
	// RemindBefore, to remind their merchants (0: every minute; 48 hours before).
	Remind, RemindBefore time.Duration

	stop     context.CancelFunc
	stopped  chan struct{}
	defaults sync.Once
}

// setDefaults fills in what was left zero.
func (w *Worker) setDefaults() {
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Poll == 0 {
		w.Poll = time.Second
	}
	if w.Lease == 0 {
		w.Lease = 2 * time.Minute
	}
	if w.Batch == 0 {
		w.Batch = 32
	}
	if w.Parallel == 0 {
		w.Parallel = 4
	}
	if w.Backoff == nil {
		w.Backoff = DefaultBackoff
	}
	if w.Remind == 0 {
		w.Remind = time.Minute
	}
	if w.RemindBefore == 0 {
		w.RemindBefore = 48 * time.Hour
	}
}

// Start runs the worker until Stop.
func (w *Worker) Start() {
	w.defaults.Do(w.setDefaults)
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.stopped = cancel, make(chan struct{})
	go w.run(ctx)
}

// Stop stops claiming and waits for the sends in flight (whose outcome is then recorded).
func (w *Worker) Stop() {
	if w.stop == nil {
		return
	}
	w.stop()
	<-w.stopped
}

func (w *Worker) run(ctx context.Context) {
	defer close(w.stopped)
	channels := slices.Sorted(maps.Keys(w.Senders))
	tick := time.NewTicker(w.Poll)
	defer tick.Stop()
	remind := time.NewTicker(w.Remind)
	defer remind.Stop()
	for {
		n, err := w.Once(ctx, channels)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("outbox: claim messages", "err", err)
		}
		if n == w.Batch && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-w.DB.MessagesWritten():
		case <-tick.C:
		case <-remind.C:
			if n, err := w.DB.RemindOffers(ctx, w.RemindBefore); err != nil && ctx.Err() == nil {
				w.Logger.Error("outbox: offer reminders", "err", err)
			} else if n > 0 {
				w.Logger.Info("outbox: offers reminded", "merchants", n)
			}
		}
	}
}

// Once claims one batch of due messages of channels and delivers them, and returns how many
// it claimed.
func (w *Worker) Once(ctx context.Context, channels []claimdesk.MessageChannel) (int, error) {
	w.defaults.Do(w.setDefaults)
	msgs, err := w.DB.ClaimMessages(ctx, w.Batch, w.Lease, channels)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	// Outcomes are recorded a few at a time, as they come: one write for several, and none
	// kept waiting long enough for its claim to lapse.
	done := make(chan store.Delivery, len(msgs))
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		var pending []store.Delivery
		flush := func() {
			if len(pending) == 0 {
				return
			}
			if err := w.DB.RecordMessages(context.WithoutCancel(ctx), pending); err != nil {
				w.Logger.Error("outbox: record deliveries", "messages", len(pending), "err", err)
			}
			pending = pending[:0]
		}
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case d, ok := <-done:
				if !ok {
					flush()
					return
				}
				if pending = append(pending, d); len(pending) >= 16 {
					flush()
				}
			case <-tick.C:
				flush()
			}
		}
	}()
	var wg sync.WaitGroup
	sem := make(chan struct{}, w.Parallel)
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if o, ok := w.deliver(ctx, m); ok {
				done <- store.Delivery{Message: m, Outcome: o}
			}
		}()
	}
	wg.Wait()
	close(done)
	<-recorded
	return len(msgs), nil
}

// deliver sends one claimed message and returns the outcome to record (recorded even when
// the worker is stopping: the send was made or not, what happened is known); false when it
// was not tried.
func (w *Worker) deliver(ctx context.Context, m *claimdesk.Notification) (store.MessageOutcome, bool) {
	s := w.Senders[m.Channel]
	if l := w.Limits[m.Channel]; l != nil {
		if err := l.Wait(ctx); err != nil {
			return store.MessageOutcome{}, false // stopping: the claim lapses and the message is sent later
		}
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	answer, err := s.Send(sendCtx, m)
	cancel()
	o := store.MessageOutcome{Sent: err == nil, Answer: shorten(answer, 500)}
	outcome := "sent"
	if err != nil {
		o.Err = shorten(err.Error(), 500)
		o.Retry = w.retryAt(m, err)
		outcome = "retry"
		if o.Retry.IsZero() {
			outcome = "failed"
			w.Logger.Warn("outbox: message given up", "key", m.Key, "channel", m.Channel, "event", m.Event, "attempts", m.Attempts, "err", err)
		} else {
			w.Logger.Info("outbox: delivery failed, will retry", "key", m.Key, "channel", m.Channel, "attempts", m.Attempts, "retry_at", o.Retry, "err", err)
		}
	}
	if w.Observer != nil {
		w.Observer.MessageDelivered(string(m.Channel), outcome)
	}
	return o, true
}

// DefaultBackoff is the wait after each failed attempt: quick at first (a gateway that
// hiccups), then longer, up to two hours between attempts, for a day.
var DefaultBackoff = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}

// retryAt is when to try a failed message again, or zero to give up: after a permanent
// failure, or once the next attempt would come more than store.WebhookGiveUp after the
// message was written. Each wait varies by up to a fifth, so that the messages of one burst
// do not all come back at once.
func (w *Worker) retryAt(m *claimdesk.Notification, err error) time.Time {
	var p permanent
	if errors.As(err, &p) {
		return time.Time{}
	}
	d := w.Backoff[min(max(m.Attempts-1, 0), len(w.Backoff)-1)]
	d += time.Duration(rand.Int64N(int64(d)/5 + 1))
	next := w.DB.Now().Add(d)
	if next.Sub(m.CreatedAt) > store.WebhookGiveUp {
		return time.Time{}
	}
	return next
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
