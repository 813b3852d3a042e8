package agency

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/agency/internal/agencydb"
)

// MaxFound is how many agencies FindByName returns at most.
const MaxFound = 10

// FindByName returns the agencies (retired ones too) whose name holds
// text, ignoring case: the one so named first, then by name; at most
// MaxFound. A filter that names an agency reads this instead of the list
// of every agency, which grows with the partnership. Only ID, Name and
// RetiredAt are set.
func (s *Service) FindByName(ctx context.Context, text string) ([]Agency, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(text)) + "%"
	rows, err := agencydb.New(s.pool).FindAgenciesByName(ctx, agencydb.FindAgenciesByNameParams{
		Pattern: pattern, ExactName: text, MaxRows: MaxFound,
	})
	if err != nil {
		return nil, fmt.Errorf("find agencies by name: %w", err)
	}
	out := make([]Agency, len(rows))
	for i, r := range rows {
		out[i] = Agency{ID: r.ID, Name: r.Name, RetiredAt: r.RetiredAt}
	}
	return out, nil
}

// Named returns an agency's ID, Name and RetiredAt (not its count of
// people, which Get reads), or ErrNotFound.
func (s *Service) Named(ctx context.Context, id int64) (Agency, error) {
	r, err := agencydb.New(s.pool).GetAgencyName(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Agency{}, ErrNotFound
	} else if err != nil {
		return Agency{}, fmt.Errorf("get agency %d: %w", id, err)
	}
	return Agency{ID: r.ID, Name: r.Name, RetiredAt: r.RetiredAt}, nil
}
