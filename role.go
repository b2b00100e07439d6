package claimdesk

import (
	"context"
	"fmt"
)

// Role is what a staff account or an API token may do.
type Role string

// The roles of the console and the API.
const (
	RoleIntake   Role = "intake"   // enters reports taken by phone or at a desk, imports batches
	RoleReviewer Role = "reviewer" // works the queue and decides
	RoleAnalyst  Role = "analyst"  // aggregate views and exports, personal data masked
	RoleAdmin    Role = "admin"    // everything, including users, tokens and incidents
)

// Roles lists the roles with their names for people.
var Roles = Options{
	{string(RoleIntake), Label{"접수 담당", "Intake officer"}},
	{string(RoleReviewer), Label{"심사 담당", "Reviewer"}},
	{string(RoleAnalyst), Label{"분석 담당", "Analyst"}},
	{string(RoleAdmin), Label{"관리자", "Administrator"}},
}

// Permission is one thing a route or an operation requires.
type Permission string

// The permissions, each granted to roles in rolePermissions: the one table that decides who
// may do what.
const (
	PermEnterReports Permission = "enter_reports" // file reports for merchants (channel staff)
	PermImport       Permission = "import"        // import batches
	PermOwnReports   Permission = "own_reports"   // see the reports one entered or imported
	PermReview       Permission = "review"        // the queue, report detail, decisions, notes, merges
	PermPersonalData Permission = "personal_data" // see names, phones, e-mails and business numbers unmasked
	PermStats        Permission = "stats"         // aggregate views
	PermExport       Permission = "export"        // exports (masked without PermPersonalData)
	PermAdmin        Permission = "admin"         // users, tokens, incidents
	PermSimulate     Permission = "simulate"      // simulate compensation policies
	PermPayouts      Permission = "payouts"       // add policies, adopt and release payout runs, payment files
)

var rolePermissions = map[Role][]Permission{
	RoleIntake:   {PermEnterReports, PermImport, PermOwnReports, PermPersonalData},
	RoleReviewer: {PermReview, PermPersonalData, PermStats},
	RoleAnalyst:  {PermStats, PermExport, PermSimulate},
	RoleAdmin: {PermEnterReports, PermImport, PermOwnReports, PermReview, PermPersonalData, PermStats, PermExport, PermAdmin,
		PermSimulate, PermPayouts},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := rolePermissions[r]; return ok }

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool {
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// ParseRole reads a role name, with an error that lists the valid ones.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", Errorf(EINVALID, "unknown role %q: want intake, reviewer, analyst or admin", s)
}

// ActorKind says what kind of party acted.
type ActorKind string

// The kinds of actors.
const (
	ActorUser     ActorKind = "user"     // a staff member logged in to the console
	ActorToken    ActorKind = "token"    // a partner system or script with an API token
	ActorMerchant ActorKind = "merchant" // the merchant, holding a report's access token or filing one
	ActorCLI      ActorKind = "cli"      // an operator at the command line
	ActorSystem   ActorKind = "system"   // claimdesk itself (duplicate flags and the like)
)

// Actor is who performs an operation. It travels in the context, so that the stores can record
// it in the audit trail and refuse what its role does not allow.
type Actor struct {
	Kind ActorKind
	ID   int64  // the user's or token's ID
	Name string // the user's e-mail, the token's name, the operating-system user
	Role Role   // empty for merchants
	// User is the staff account a person's API token or an operator at the command line
	// (--as) acts as; a console session's account is its ID. See Person.
	User int64
	// Via says how a person acted outside the console: "token 5 a1", "cli".
	Via string
}

// Person returns the staff account of the person acting: the console session's, or the one
// a person's token or the command line acts as; 0 for service tokens, the anonymous command
// line, merchants and claimdesk itself. Money moves only by a person (see RequirePerson), and
// four eyes are two different persons.
func (a Actor) Person() int64 {
	if a.User == 0 && a.Kind == ActorUser {
		return a.ID
	}
	return a.User
}

// Key identifies the actor stably ("user:3"), for "entered by", "assigned to" and four eyes: a
// person's session, tokens and command line share one key.
func (a Actor) Key() string {
	switch {
	case a.Person() != 0:
		return fmt.Sprintf("user:%d", a.Person())
	case a.Kind == ActorToken:
		return fmt.Sprintf("%s:%d", a.Kind, a.ID)
	case a.Kind == ActorCLI:
		return "cli:" + a.Name
	}
	return string(a.Kind)
}

// String is the actor as the audit trail records it: "user:3 rev@example.org", "user:3
// rev@example.org via token 5 rev-script".
func (a Actor) String() string {
	s := a.Key()
	if a.Name != "" && (a.Kind != ActorCLI || a.User != 0) {
		s += " " + a.Name
	}
	if a.Via != "" {
		s += " via " + a.Via
	}
	return s
}

// Can reports whether the actor may do p. An operator at the command line has the machine and
// the database file already, so the CLI acts with every permission; one who named themselves
// with --as acts with their role.
func (a Actor) Can(p Permission) bool {
	if a.Kind == ActorCLI && a.User == 0 || a.Kind == ActorSystem {
		return true
	}
	return a.Role.Can(p)
}

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; a context without one is the anonymous merchant filing a
// report.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorMerchant}
}

// Require returns EFORBIDDEN unless the actor in ctx may do p.
func Require(ctx context.Context, p Permission) error {
	if a := ActorFrom(ctx); !a.Can(p) {
		return Errorm(EFORBIDDEN, "forbidden")
	}
	return nil
}

// RequirePerson returns EFORBIDDEN unless the actor in ctx is a person who may do p: money is
// adopted, released, awarded, exported and marked paid by people the audit trail names, never
// by a service token or the anonymous command line.
func RequirePerson(ctx context.Context, p Permission) error {
	a := ActorFrom(ctx)
	if a.Person() == 0 {
		return Errorm(EFORBIDDEN, "person_required")
	}
	if !a.Can(p) {
		return Errorm(EFORBIDDEN, "forbidden")
	}
	return nil
}
