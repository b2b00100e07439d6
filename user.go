package claimdesk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// User is a staff account of the console.
type User struct {
	ID          int64
	Email       string
	Name        string
	Role        Role
	Disabled    bool
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// Password rules: long enough to resist guessing, no other composition rules (NIST SP 800-63B).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// Sessions end after SessionIdle without a request, and SessionMaxAge after login in any case.
const (
	SessionIdle   = 30 * time.Minute
	SessionMaxAge = 12 * time.Hour
)

// UserService stores staff accounts and checks their passwords.
type UserService interface {
	// CreateUser creates the account with password. Returns EFORBIDDEN unless the actor
	// administers, EINVALID for a bad e-mail, role or password, and ECONFLICT when the e-mail
	// is taken.
	CreateUser(ctx context.Context, u *User, password string) error

	// FindUserByEmail returns the account with email. Returns ENOTFOUND.
	FindUserByEmail(ctx context.Context, email string) (*User, error)

	// FindUsers returns every account, by e-mail. Returns no code of its own.
	FindUsers(ctx context.Context) ([]*User, error)

	// DisableUser disables the account and ends its sessions. Returns EFORBIDDEN unless the
	// actor administers, and ENOTFOUND.
	DisableUser(ctx context.Context, email string) error

	// Authenticate checks a login, and counts failures per account. It never locks an
	// account (anyone could lock anyone's): the server throttles attempts per account and
	// address. Returns EUNAUTHORIZED for a wrong e-mail or password or a disabled account (the
	// same error, so accounts cannot be probed).
	Authenticate(ctx context.Context, email, password string) (*User, error)
}

// SessionService stores console sessions. Only a hash of the session token is stored.
type SessionService interface {
	// CreateSession starts a session for the user and returns its token, for the cookie.
	// Returns no code of its own: the user was just authenticated.
	CreateSession(ctx context.Context, userID int64) (token string, err error)

	// FindSession returns the session's user, renewing its idle timer. Returns
	// EUNAUTHORIZED when the token is unknown, expired (idle or absolute) or the user is
	// disabled.
	FindSession(ctx context.Context, token string) (*User, error)

	// DeleteSession ends the session (logout). Deleting an unknown token is not an error:
	// returns no code of its own.
	DeleteSession(ctx context.Context, token string) error
}

// APIToken lets a partner system or a script use the JSON API. A person's token acts as that
// person, with their role as it is now, and stops working when they are disabled; a service
// token has a role of its own and may never move money (see RequirePerson).
type APIToken struct {
	ID        int64
	Name      string
	Role      Role
	User      int64  // the person it acts as; 0 for a service token
	UserEmail string // that person's e-mail
	CreatedAt time.Time
	CreatedBy string
	RevokedAt time.Time
	LastUsed  time.Time
}

// TokenService stores API tokens. Only a hash of each token is stored, so a token is shown
// once, when it is made.
type TokenService interface {
	// CreateToken makes a token and returns its secret: a service token with role when
	// userEmail is "", otherwise a token that acts as that person (who must be the actor, or
	// the operator at the command line). Returns EINVALID for a bad name or role or a disabled
	// person, ENOTFOUND for an unknown person, and EFORBIDDEN for a service token by someone
	// who does not administer or a token of someone else.
	CreateToken(ctx context.Context, name string, role Role, userEmail string) (secret string, t *APIToken, err error)

	// FindTokenBySecret returns the token. Returns EUNAUTHORIZED when it is unknown or revoked,
	// or its person is disabled.
	FindTokenBySecret(ctx context.Context, secret string) (*APIToken, error)

	// FindTokens returns every token, revoked ones included. Returns no code of its own.
	FindTokens(ctx context.Context) ([]*APIToken, error)

	// RevokeToken revokes the token. Returns EFORBIDDEN unless the actor administers, and
	// ENOTFOUND.
	RevokeToken(ctx context.Context, id int64) error
}

// ValidateNewUser checks an account about to be created.
func ValidateNewUser(u *User, password string) error {
	var fe FieldErrors
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	CheckText(&fe, "name", &u.Name, TextRule{Max: 100})
	if !plausibleEmail(u.Email) || len(u.Email) > MaxEmail {
		fe.Add("email", "email_invalid")
	}
	if !u.Role.Valid() {
		fe.Add("role", "role_invalid")
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLen || n > MaxPasswordLen {
		fe.Add("password", "password_length", MinPasswordLen, MaxPasswordLen)
	}
	return fe.Err()
}

// Actor returns the actor a token acts as: its person, or the service it was made for.
func (t *APIToken) Actor() Actor {
	if t.User != 0 {
		return Actor{Kind: ActorToken, ID: t.ID, Name: t.UserEmail, Role: t.Role, User: t.User, Via: fmt.Sprintf("token %d %s", t.ID, t.Name)}
	}
	return Actor{Kind: ActorToken, ID: t.ID, Name: t.Name, Role: t.Role}
}

// Actor returns the actor of a console session of u.
func (u *User) Actor() Actor {
	return Actor{Kind: ActorUser, ID: u.ID, Name: u.Email, Role: u.Role}
}

// PasswordHasher hashes passwords with argon2id, a memory-hard function, and stores its
// parameters in each hash so that they can be raised later without breaking old hashes.
type PasswordHasher struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultPasswordHasher costs about 0.2 s and 64 MiB a hash on a server core: slow for a
// guesser, bearable for a login.
var DefaultPasswordHasher = PasswordHasher{Memory: 64 * 1024, Time: 3, Threads: 2}

// Hash returns the password's hash in the PHC string format.
func (h PasswordHasher) Hash(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, h.Time, h.Memory, h.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Memory, h.Time, h.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether password matches hash, in constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || memory > 1<<20 || time > 16 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewSecret returns a random secret for a session or an API token: prefix and 160 bits in
// lower-case base 32, easy to copy and safe in a URL or a header.
func NewSecret(prefix string) string {
	b := make([]byte, 20)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// SecretHash returns the hash under which a session or token secret is stored. The secrets
// are random, so a plain SHA-256 is enough: there is nothing to guess.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenPrefix starts every API token, so that a token pasted into the wrong place is
// recognisable and a report's access token is never mistaken for one.
const TokenPrefix = "cdk_"
