package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
)

// Every foreign key of our tables has an index that starts with its
// columns: deleting or erasing the row it points to (a person, a session)
// must not scan the table that points to it, and the lists that filter by it
// must not either. River's own tables are River's to index.
func TestEveryForeignKeyHasAnIndex(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	rows, err := pool.Query(context.Background(), `
		SELECT c.conrelid::regclass::text || ' (' || string_agg(a.attname, ', ' ORDER BY k.ord) || ')'
		FROM pg_constraint c
		CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
		  AND c.conrelid::regclass::text NOT LIKE 'river\_%'
		  AND NOT EXISTS (
		      SELECT 1 FROM pg_index i
		      WHERE i.indrelid = c.conrelid
		        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
		        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
		GROUP BY c.conrelid, c.conname
		ORDER BY 1`)
	require.NoError(t, err)
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Empty(t, missing, "foreign keys with no index starting with their columns")
}
