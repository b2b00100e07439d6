package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/claimdesk/claimdesk"
)

// UserService stores staff accounts and their sessions.
type UserService struct {
	db *DB

	// Hasher hashes new passwords; tests make it cheap.
	Hasher claimdesk.PasswordHasher

	// hashing bounds concurrent password checks: each takes ~64 MiB and ~0.2 s of a core, and a
	// flood of logins must not take the server's memory or its intake with it.
	hashing   chan struct{}
	dummyOnce sync.Once
	dummy     string
}

var (
	_ claimdesk.UserService    = (*UserService)(nil)
	_ claimdesk.SessionService = (*UserService)(nil)
)

// NewUserService returns a UserService on db.
func NewUserService(db *DB) *UserService {
	return &UserService{db: db, Hasher: claimdesk.DefaultPasswordHasher, hashing: make(chan struct{}, 2)}
}

const userColumns = `id, email, name, role, disabled_at, created_at, last_login_at`

func scanUser(row interface{ Scan(...any) error }) (*claimdesk.User, error) {
	var u claimdesk.User
	var disabled, lastLogin sql.NullString
	var created string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &disabled, &created, &lastLogin); err != nil {
		return nil, err
	}
	u.Disabled = disabled.Valid
	u.CreatedAt, _ = parseTime(created)
	if lastLogin.Valid {
		u.LastLoginAt, _ = parseTime(lastLogin.String)
	}
	return &u, nil
}

// CreateUser creates a staff account.
func (s *UserService) CreateUser(ctx context.Context, u *claimdesk.User, password string) error {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return err
	}
	if err := claimdesk.ValidateNewUser(u, password); err != nil {
		return err
	}
	hash := s.Hasher.Hash(password)
	now := s.db.Now()
	err := s.db.write(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			u.Email, u.Name, u.Role, hash, formatTime(now)).Scan(&u.ID)
		if isUniqueViolation(err, "users.email") {
			return claimdesk.Errorm(claimdesk.ECONFLICT, "email_taken")
		} else if err != nil {
			return err
		}
		states, err := s.db.rowStates(ctx, tx, "users", u.ID)
		if err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditUserCreated, 0, "", map[string]any{"user": u.ID, "email": u.Email, "role": u.Role, "rows": states})
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	u.CreatedAt = now
	return nil
}

// FindUserByEmail returns the account with email.
func (s *UserService) FindUserByEmail(ctx context.Context, email string) (*claimdesk.User, error) {
	u, err := scanUser(s.db.reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`,
		strings.ToLower(strings.TrimSpace(email))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, claimdesk.Errorm(claimdesk.ENOTFOUND, "user_not_found")
	}
	return u, err
}

// FindUsers returns every account.
func (s *UserService) FindUsers(ctx context.Context) ([]*claimdesk.User, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*claimdesk.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// DisableUser disables the account and ends its sessions.
func (s *UserService) DisableUser(ctx context.Context, email string) error {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return err
	}
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, formatTime(s.db.Now()), u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		states, err := s.db.rowStates(ctx, tx, "users", u.ID)
		if err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditUserDisabled, 0, "", map[string]any{"user": u.ID, "email": u.Email, "rows": states})
	})
}

// Authenticate checks a login, counting failures and locking the account after too many.
func (s *UserService) Authenticate(ctx context.Context, email, password string) (*claimdesk.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var id int64
	var hash string
	var disabled sql.NullString
	err := s.db.reader().QueryRowContext(ctx, `SELECT id, password_hash, disabled_at FROM users WHERE email = ?`, email).
		Scan(&id, &hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as a real check, so that response times do not tell which
		// e-mails have accounts.
		s.dummyOnce.Do(func() { s.dummy = s.Hasher.Hash("no such account") })
		s.checkPassword(ctx, s.dummy, password)
		return nil, claimdesk.Errorm(claimdesk.EUNAUTHORIZED, "login_failed")
	} else if err != nil {
		return nil, err
	}
	now := s.db.Now()
	ok, err := s.checkPassword(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok || disabled.Valid {
		werr := s.db.write(ctx, func(tx *Tx) error {
			// Counted, for the operator to see; never a lock, which anyone could set on any
			// account by failing on purpose. The server throttles attempts instead.
			_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?`, id)
			return err
		})
		if werr != nil {
			return nil, werr
		}
		return nil, claimdesk.Errorm(claimdesk.EUNAUTHORIZED, "login_failed")
	}
	var u *claimdesk.User
	err = s.db.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`,
			formatTime(now), id); err != nil {
			return err
		}
		if u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)); err != nil {
			return err
		}
		actx := claimdesk.WithActor(ctx, u.Actor())
		return s.db.audit(actx, tx, claimdesk.AuditLogin, 0, "", nil)
	})
	return u, err
}

func (s *UserService) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
		defer func() { <-s.hashing }()
	case <-ctx.Done():
		return false, ctx.Err()
	}
	return claimdesk.CheckPassword(hash, password), nil
}

// CreateSession starts a session.
func (s *UserService) CreateSession(ctx context.Context, userID int64) (string, error) {
	secret := claimdesk.NewSecret("")
	now := formatTime(s.db.Now())
	err := s.db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)`,
			claimdesk.SecretHash(secret), userID, now, now)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return secret, nil
}

// FindSession returns the session's user. The idle timer is renewed at most once a minute, so
// that browsing the console does not turn every page into a write.
func (s *UserService) FindSession(ctx context.Context, token string) (*claimdesk.User, error) {
	expired := claimdesk.Errorm(claimdesk.EUNAUTHORIZED, "session_expired")
	if token == "" {
		return nil, expired
	}
	hash := claimdesk.SecretHash(token)
	var created, seen string
	row := s.db.reader().QueryRowContext(ctx, `SELECT s.created_at, s.last_seen_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, hash)
	var u claimdesk.User
	var disabled, lastLogin sql.NullString
	var userCreated string
	err := row.Scan(&created, &seen, &u.ID, &u.Email, &u.Name, &u.Role, &disabled, &userCreated, &lastLogin)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, expired
	} else if err != nil {
		return nil, err
	}
	now := s.db.Now()
	createdAt, _ := parseTime(created)
	seenAt, _ := parseTime(seen)
	if disabled.Valid || now.Sub(createdAt) > claimdesk.SessionMaxAge || now.Sub(seenAt) > claimdesk.SessionIdle {
		return nil, expired
	}
	if now.Sub(seenAt) > time.Minute {
		err := s.db.write(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, formatTime(now), hash)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return &u, nil
}

// DeleteSession ends a session.
func (s *UserService) DeleteSession(ctx context.Context, token string) error {
	return s.db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, claimdesk.SecretHash(token))
		return err
	})
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// TokenService stores API tokens.
type TokenService struct {
	db *DB
}

var _ claimdesk.TokenService = (*TokenService)(nil)

// NewTokenService returns a TokenService on db.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db} }

// CreateToken makes an API token: a service token with role, or, with userEmail, a token that
// acts as that person. A person's token is made by the person themselves, or by the operator at
// the command line: nobody makes one that lets them act as somebody else.
func (s *TokenService) CreateToken(ctx context.Context, name string, role claimdesk.Role, userEmail string) (string, *claimdesk.APIToken, error) {
	a := claimdesk.ActorFrom(ctx)
	name = strings.TrimSpace(name)
	t := &claimdesk.APIToken{Name: name, Role: role, CreatedAt: s.db.Now(), CreatedBy: a.String()}
	if userEmail != "" {
		u, err := NewUserService(s.db).FindUserByEmail(ctx, userEmail)
		if err != nil {
			return "", nil, err
		}
		if u.Disabled {
			return "", nil, claimdesk.Errorm(claimdesk.EINVALID, "user_disabled")
		}
		if a.Person() != u.ID && !(a.Kind == claimdesk.ActorCLI && a.Person() == 0) {
			return "", nil, claimdesk.Errorm(claimdesk.EFORBIDDEN, "token_other_person")
		}
		t.Role, t.User, t.UserEmail = u.Role, u.ID, u.Email
	} else if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return "", nil, err
	}
	var fe claimdesk.FieldErrors
	claimdesk.CheckText(&fe, "name", &t.Name, claimdesk.TextRule{Required: "required", Max: 100})
	if !t.Role.Valid() {
		fe.Add("role", "role_invalid")
	}
	if err := fe.Err(); err != nil {
		return "", nil, err
	}
	secret := claimdesk.NewSecret(claimdesk.TokenPrefix)
	var user any
	if t.User != 0 {
		user = t.User
	}
	err := s.db.write(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, token_hash, created_at, created_by, user_id)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Name, t.Role, claimdesk.SecretHash(secret), formatTime(t.CreatedAt), t.CreatedBy, user).Scan(&t.ID); err != nil {
			return err
		}
		states, err := s.db.rowStates(ctx, tx, "api_tokens", t.ID)
		if err != nil {
			return err
		}
		detail := map[string]any{"token": t.ID, "name": t.Name, "role": t.Role, "rows": states}
		if t.User != 0 {
			detail["user"] = t.UserEmail
		}
		return s.db.audit(ctx, tx, claimdesk.AuditTokenCreated, 0, "", detail)
	})
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return secret, t, nil
}

const tokenColumns = `t.id, t.name, t.role, t.created_at, t.created_by, t.revoked_at, t.last_used, coalesce(t.user_id, 0),
	coalesce(u.email, ''), coalesce(u.role, ''), u.disabled_at`

const tokenFrom = `api_tokens t LEFT JOIN users u ON u.id = t.user_id`

// scanToken reads a token; a person's token has the person's role as it is now. It reports
// whether the token works: not revoked, and its person (if any) not disabled.
func scanToken(row interface{ Scan(...any) error }) (*claimdesk.APIToken, bool, error) {
	var t claimdesk.APIToken
	var created string
	var userRole claimdesk.Role
	var revoked, used, disabled sql.NullString
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &created, &t.CreatedBy, &revoked, &used, &t.User, &t.UserEmail, &userRole,
		&disabled); err != nil {
		return nil, false, err
	}
	t.CreatedAt, _ = parseTime(created)
	if revoked.Valid {
		t.RevokedAt, _ = parseTime(revoked.String)
	}
	if used.Valid {
		t.LastUsed, _ = parseTime(used.String)
	}
	if t.User != 0 {
		t.Role = userRole
	}
	return &t, t.RevokedAt.IsZero() && !disabled.Valid, nil
}

// FindTokenBySecret returns a working token, noting its use at most once a minute.
func (s *TokenService) FindTokenBySecret(ctx context.Context, secret string) (*claimdesk.APIToken, error) {
	t, works, err := scanToken(s.db.reader().QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM `+tokenFrom+` WHERE t.token_hash = ?`,
		claimdesk.SecretHash(secret)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !works) {
		return nil, claimdesk.Errorm(claimdesk.EUNAUTHORIZED, "token_invalid")
	} else if err != nil {
		return nil, err
	}
	if now := s.db.Now(); now.Sub(t.LastUsed) > time.Minute {
		err := s.db.write(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used = ? WHERE id = ?`, formatTime(now), t.ID)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// FindTokens returns every token.
func (s *TokenService) FindTokens(ctx context.Context) ([]*claimdesk.APIToken, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+tokenColumns+` FROM `+tokenFrom+` ORDER BY t.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*claimdesk.APIToken
	for rows.Next() {
		t, _, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token.
func (s *TokenService) RevokeToken(ctx context.Context, id int64) error {
	if err := claimdesk.Require(ctx, claimdesk.PermAdmin); err != nil {
		return err
	}
	return s.db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, formatTime(s.db.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return claimdesk.Errorm(claimdesk.ENOTFOUND, "token_not_found")
		}
		states, err := s.db.rowStates(ctx, tx, "api_tokens", id)
		if err != nil {
			return err
		}
		return s.db.audit(ctx, tx, claimdesk.AuditTokenRevoked, 0, "", map[string]any{"token": id, "rows": states})
	})
}
