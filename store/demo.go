package store

import (
	"context"
	"fmt"
	"time"

	"github.com/claimdesk/claimdesk"
)

// DemoBatch is how many demo reports one write transaction stores.
const DemoBatch = 5000

// InsertDemoReports stores synthetic reports (see package demo), received at the given times,
// marked as demo data. They are validated like any report, counted and indexed for search,
// and written DemoBatch to a transaction with one audit entry each: a million take well under
// a minute. Only an operator may do this.
func (db *DB) InsertDemoReports(ctx context.Context, reports []*Report, received []time.Time) error {
	if claimdesk.ActorFrom(ctx).Kind != claimdesk.ActorCLI {
		return claimdesk.Errorm(claimdesk.EFORBIDDEN, "forbidden")
	}
	now := db.Now()
	for i, r := range reports {
		inc, err := db.incident(ctx, r.Incident)
		if err != nil {
			return err
		}
		if err := r.Validate(inc, now); err != nil {
			return fmt.Errorf("demo report %d: %w", i, err)
		}
		at := received[i].UTC().Truncate(time.Microsecond)
		r.Status, r.ReceivedAt, r.UpdatedAt = claimdesk.StatusReceived, at, at
	}
	for start := 0; start < len(reports); start += DemoBatch {
		batch := reports[start:min(start+DemoBatch, len(reports))]
		err := db.write(ctx, func(tx *Tx) error {
			for _, r := range batch {
				if err := insertReportRow(ctx, tx, r, true); err != nil {
					return err
				}
				if err := addCount(ctx, tx, r.Incident, r.Status, 1); err != nil {
					return err
				}
			}
			return db.audit(ctx, tx, "demo.inserted", 0, "", map[string]any{"count": len(batch),
				"first": batch[0].Receipt, "last": batch[len(batch)-1].Receipt})
		})
		if err != nil {
			return fmt.Errorf("insert demo reports: %w", err)
		}
	}
	return nil
}
