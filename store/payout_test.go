package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/claimdesk/claimdesk"
	"github.com/claimdesk/claimdesk/store"
	"github.com/claimdesk/claimdesk/storetest"
)

// A released run cannot be changed, not even with SQL behind claimdesk's back: the database's
// triggers refuse it, on SQLite and on PostgreSQL.
func TestReleasedRunIsImmutable(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testReleasedRunIsImmutable(t, openDB(t)) })
	t.Run("postgres", func(t *testing.T) { testReleasedRunIsImmutable(t, openPostgres(t)) })
}

func testReleasedRunIsImmutable(t *testing.T, db *store.DB) {
	ctx := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorUser, ID: 1, Name: "first@example.org", Role: claimdesk.RoleAdmin})
	if err := store.SeedBuiltinPolicies(ctx, store.NewPolicyService(db)); err != nil {
		t.Fatal(err)
	}
	r := storetest.DistinctReport(1)
	r.ClaimedLoss = 450_000
	if _, _, err := store.NewReportService(db).CreateReport(ctx, &claimdesk.ReportInput{Report: *r}, claimdesk.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	p, err := store.NewPolicyService(db).FindPolicy(ctx, "kakao-2022-brackets", 0)
	if err != nil {
		t.Fatal(err)
	}
	payouts := store.NewPayoutService(db)
	run, err := payouts.AdoptPolicy(ctx, "kakao-2022-10", p)
	if err != nil {
		t.Fatal(err)
	}
	// While pending, the rows are already fixed.
	exec := func(q string, args ...any) error {
		return store.Write(db, ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err })
	}
	if err := exec(`UPDATE payouts SET amount = 1 WHERE run_id = ?`, run.ID); err == nil || !strings.Contains(err.Error(), "cannot change") {
		t.Errorf("a pending run's payout changed: %v", err)
	}
	second := claimdesk.WithActor(context.Background(), claimdesk.Actor{Kind: claimdesk.ActorUser, ID: 2, Name: "second@example.org", Role: claimdesk.RoleAdmin})
	if _, err := payouts.ReleaseRun(second, run.ID, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE payouts SET amount = amount + 1 WHERE run_id = ?`,
		`UPDATE payouts SET explanation_ko = 'x' WHERE run_id = ?`,
		`DELETE FROM payouts WHERE run_id = ?`,
		`UPDATE payout_runs SET summary = '{}' WHERE id = ?`,
		`UPDATE payout_runs SET state = 'pending' WHERE id = ?`,
		`DELETE FROM payout_runs WHERE id = ?`,
		`INSERT INTO payouts (run_id, report_id, outcome, computed, amount, days, hours, service, explanation_ko, explanation_en)
			SELECT ?, id, 'amount', 1, 1, 0, 0, '', '', '' FROM reports LIMIT 1`,
		`UPDATE policies SET document = '{}' WHERE ? > 0`,
		`DELETE FROM policies WHERE ? > 0`,
	} {
		if err := exec(q, run.ID); err == nil {
			t.Errorf("allowed on a released run: %s", q)
		} else if !strings.Contains(err.Error(), "cannot") && !strings.Contains(err.Error(), "only") {
			t.Errorf("%s: refused for another reason: %v", q, err) // not by the triggers
		}
	}
	var amount int64
	if err := store.ReadRow(db, ctx, `SELECT amount FROM payouts WHERE run_id = ?`, run.ID).Scan(&amount); err != nil || amount != 50_000 {
		t.Errorf("amount %d, %v", amount, err)
	}
}
