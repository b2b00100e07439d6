package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
)

// BenchmarkMoney follows the money path over a million reports, on a copy of the bench data:
// two people adopt and release the Kakao brackets (the release reading the run's figures
// first), a thousand merchants accept, a payment file is made and read, and the audit trail is
// verified with every report and money row. Each step is reported as its own metric, in
// seconds.
//
//	go test -run '^$' -bench Money -benchtime 1x -timeout 60m ./cmd/claimdesk
func BenchmarkMoney(b *testing.B) {
	src, n := benchData(b)
	dir := b.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			copyFile(b, filepath.Join(src, e.Name()), filepath.Join(dir, e.Name()))
		}
	}
	m := &Main{DataDir: dir, Addr: "127.0.0.1:0"}
	if err := m.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	cli := cliContext(context.Background())
	users := store.NewUserService(m.DB)
	users.Hasher = claimdesk.PasswordHasher{Memory: 1024, Time: 1, Threads: 1}
	var people []context.Context
	for _, email := range []string{"kim@example.org", "lee@example.org"} {
		u := &claimdesk.User{Email: email, Role: claimdesk.RoleAdmin}
		if err := users.CreateUser(cli, u, "benchmark password"); err != nil {
			b.Fatal(err)
		}
		people = append(people, claimdesk.WithActor(context.Background(), u.Actor()))
	}
	const merchants = 1000
	// Merchants whose claims the brackets compute (500,000 KRW or less).
	some, err := store.NewReportService(m.DB).FindReports(cli, claimdesk.ReportFilter{Incident: "kakao-2022-10", Limit: 10 * merchants})
	if err != nil {
		b.Fatal(err)
	}
	var reports []*claimdesk.Report
	for _, r := range some {
		if r.ClaimedLoss <= 500_000 && len(reports) < merchants {
			reports = append(reports, r)
		}
	}
	if len(reports) != merchants {
		b.Fatalf("%d reports of 500,000 KRW or less among %d", len(reports), len(some))
	}
	review := store.NewReviewService(m.DB)
	for _, r := range reports {
		for _, to := range []claimdesk.Status{claimdesk.StatusInReview, claimdesk.StatusAccepted} {
			if _, err := review.ChangeStatus(cli, r.Receipt, claimdesk.StatusChange{To: to}); err != nil {
				b.Fatal(err)
			}
		}
	}
	policy, err := store.NewPolicyService(m.DB).FindPolicy(cli, "kakao-2022-brackets", 0)
	if err != nil {
		b.Fatal(err)
	}
	payouts := store.NewPayoutService(m.DB)
	step := func(name string, fn func() error) {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), name+"-s")
	}
	for b.Loop() {
		var run *claimdesk.PayoutRun
		var figures *claimdesk.RunFigures
		var file *claimdesk.PaymentFile
		step("adopt", func() (err error) { run, err = payouts.AdoptPolicy(people[0], "kakao-2022-10", policy); return err })
		step("figures", func() (err error) { figures, err = payouts.RunFigures(cli, run.ID); return err })
		if figures.Reports < n || figures.Offers.Count != merchants {
			b.Fatalf("figures %+v", figures)
		}
		step("release", func() (err error) { _, err = payouts.ReleaseRun(people[1], run.ID, &figures.Payable); return err })
		step("accept-1000", func() error {
			for _, r := range reports {
				if _, err := payouts.RespondToOffer(context.Background(), r.Receipt, claimdesk.OfferResponse{Accepted: true,
					Bank: claimdesk.BankAccount{Bank: "KB국민은행", Number: "123456-01-234567", Holder: r.Representative}}, nil); err != nil {
					return err
				}
			}
			return nil
		})
		step("export", func() (err error) { file, err = payouts.ExportPayments(people[1], run.ID); return err })
		step("rows", func() error {
			rows := 0
			for _, err := range payouts.PaymentRows(cli, file.ID) {
				if err != nil {
					return err
				}
				rows++
			}
			if rows != merchants {
				b.Fatalf("%d rows", rows)
			}
			return nil
		})
		step("verify", func() error {
			v, err := store.NewAuditService(m.DB).VerifyAudit(cli, nil)
			if err == nil && !v.OK() {
				b.Fatalf("audit %+v", v)
			}
			return err
		})
	}
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}
