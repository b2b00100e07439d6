package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/claimdesk/claimdesk"
)

// PolicyService stores compensation policies as versioned documents.
type PolicyService struct{ db *DB }

var _ claimdesk.PolicyService = (*PolicyService)(nil)

// NewPolicyService returns a PolicyService on db.
func NewPolicyService(db *DB) *PolicyService { return &PolicyService{db: db} }

// AddPolicy stores p as the next version of its ID, unless the latest version has the same
// hash, in which case p gets that version.
func (s *PolicyService) AddPolicy(ctx context.Context, p *claimdesk.Policy) error {
	if err := claimdesk.Require(ctx, claimdesk.PermPayouts); err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		var version int
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT version, hash FROM policies WHERE id = ? ORDER BY version DESC LIMIT 1`, p.ID).Scan(&version, &hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("add policy: %w", err)
		}
		if hash == p.Hash {
			p.Version = version
			return nil
		}
		p.Version = version + 1
		a := claimdesk.ActorFrom(ctx)
		if _, err := tx.ExecContext(ctx, `INSERT INTO policies (id, version, hash, document, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, p.Version, p.Hash, string(p.Document()), a.String(), formatTime(s.db.Now())); err != nil {
			return fmt.Errorf("add policy: %w", err)
		}
		states := map[string]string{}
		if err := s.db.states(ctx, tx, states, "policies", "id = ? AND version = ?", p.ID, p.Version); err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditPolicyAdded, 0, "", map[string]any{"policy": p.ID, "version": p.Version, "hash": p.Hash,
			"rows": states})
	})
}

// FindPolicy returns a version of a policy; version 0 is the latest.
func (s *PolicyService) FindPolicy(ctx context.Context, id string, version int) (*claimdesk.Policy, error) {
	q, args := `SELECT version, document FROM policies WHERE id = ? ORDER BY version DESC LIMIT 1`, []any{id}
	if version > 0 {
		q, args = `SELECT version, document FROM policies WHERE id = ? AND version = ?`, []any{id, version}
	}
	var doc string
	err := s.db.reader().QueryRowContext(ctx, q, args...).Scan(&version, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "policy_not_found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find policy: %w", err)
	}
	return readPolicy(doc, version)
}

// Policies returns the latest version of every policy, by ID.
func (s *PolicyService) Policies(ctx context.Context) ([]*claimdesk.Policy, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT p.version, p.document FROM policies p
		WHERE p.version = (SELECT max(version) FROM policies WHERE id = p.id) ORDER BY p.id`)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	defer rows.Close()
	var out []*claimdesk.Policy
	for rows.Next() {
		var version int
		var doc string
		if err := rows.Scan(&version, &doc); err != nil {
			return nil, err
		}
		p, err := readPolicy(doc, version)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func readPolicy(doc string, version int) (*claimdesk.Policy, error) {
	p, err := claimdesk.ParsePolicy([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("stored policy: %w", err)
	}
	p.Version = version
	return p, nil
}

// SeedBuiltinPolicies stores the built-in policies, as a new version when their file changed.
func SeedBuiltinPolicies(ctx context.Context, s *PolicyService) error {
	ps, err := claimdesk.BuiltinPolicies()
	if err != nil {
		return err
	}
	ctx = claimdesk.WithActor(ctx, claimdesk.Actor{Kind: claimdesk.ActorSystem, Name: "claimdesk"})
	for _, p := range ps {
		if err := s.AddPolicy(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
