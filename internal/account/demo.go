package account

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account/internal/accountdb"
)

// DemoPerson is a demo account: verified, in the agency named Agency, with
// Roles, signing in with the password whose hash is PasswordHash.
type DemoPerson struct {
	Email, FullName, JobTitle, Agency, PasswordHash string
	Roles                                           []Role
}

// AddDemoPersonTx makes a demo account in the caller's transaction and
// returns its id. Only internal/demo calls it, in the transaction that seeds
// an empty database with demo data, which is why nothing is audited: nobody
// did it.
func AddDemoPersonTx(ctx context.Context, tx pgx.Tx, p DemoPerson) (int64, error) {
	q := accountdb.New(tx)
	id, err := q.InsertDemoUser(ctx, accountdb.InsertDemoUserParams{
		Email: p.Email, FullName: p.FullName, JobTitle: p.JobTitle, PasswordHash: p.PasswordHash, AgencyName: p.Agency,
	})
	if err != nil {
		return 0, fmt.Errorf("demo account %s: %w", p.Email, err)
	}
	for _, r := range p.Roles {
		if err := q.GrantDemoRole(ctx, accountdb.GrantDemoRoleParams{UserID: id, Role: string(r)}); err != nil {
			return 0, fmt.Errorf("demo account %s: %w", p.Email, err)
		}
	}
	return id, nil
}
