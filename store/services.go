package store

import (
	"context"

	"github.com/claimdesk/claimdesk"
)

// ServiceOptions tune the services NewServices builds.
type ServiceOptions struct {
	// PasswordHasher, when set, replaces claimdesk.DefaultPasswordHasher for new passwords
	// (tests use a cheap one of the same format).
	PasswordHasher *claimdesk.PasswordHasher

	// WarmStats builds, in the background, the statistics of the incidents taking reports,
	// so that the first visitor of a dashboard does not wait for them.
	WarmStats bool
}

// NewServices builds every service a front end needs on db, each once.
func NewServices(ctx context.Context, db *DB, opts ServiceOptions) claimdesk.Services {
	users := NewUserService(db)
	if opts.PasswordHasher != nil {
		users.Hasher = *opts.PasswordHasher
	}
	stats := NewStatsService(db)
	if opts.WarmStats {
		stats.Warm(ctx)
	}
	return claimdesk.Services{
		Reports:   NewReportService(db),
		Incidents: NewIncidentService(db),
		Review:    NewReviewService(db),
		Users:     users,
		Sessions:  users,
		APITokens: NewTokenService(db),
		Imports:   NewImportService(db),
		Stats:     stats,
		Policies:  NewPolicyService(db),
		Payouts:   NewPayoutService(db),
		Notices:   NewNoticeService(db),
	}
}
