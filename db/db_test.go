package db_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/db"
	"github.com/pscp/booktraining/internal/pgtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func tables(t *testing.T, pool *pgxpool.Pool) map[string]bool {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	require.NoError(t, err)
	out := map[string]bool{}
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		out[name] = true
	}
	require.NoError(t, rows.Err())
	return out
}

func TestMigrateEmptyDatabase(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewEmpty(t)
	require.NoError(t, db.Migrate(context.Background(), pool, quiet))
	got := tables(t, pool)
	for _, want := range []string{"agencies", "courses", "venues", "sessions", "goose_db_version", "river_job", "river_migration"} {
		assert.True(t, got[want], "table %s", want)
	}
	// A second run finds nothing to do.
	require.NoError(t, db.Migrate(context.Background(), pool, quiet))
}

// Several app processes starting at once migrate once, without errors.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewEmpty(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Migrate(context.Background(), pool, quiet)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	var applied int
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&applied))
	assert.Equal(t, countMigrations(t), applied)
}

// Every migration can be rolled back and applied again.
func TestMigrationsRollBack(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewEmpty(t)
	ctx := context.Background()
	require.NoError(t, db.Migrate(ctx, pool, quiet))

	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p := provider(t, sqlDB)
	_, err := p.DownTo(ctx, 0)
	require.NoError(t, err)
	got := tables(t, pool)
	for _, gone := range []string{"agencies", "courses", "venues", "sessions"} {
		assert.False(t, got[gone], "table %s after rolling back", gone)
	}
	_, err = p.Up(ctx)
	require.NoError(t, err)
	assert.True(t, tables(t, pool)["sessions"])
}

// The schema itself refuses data that breaks the rules.
func TestSchemaConstraints(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
		INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description,
		                     audiences, level, duration, delivery_modes, default_capacity)
		VALUES ('c', 'C', 's', 'd', '{a,b,c}', 'a', '{everyone}', 2, 'full_day', '{in_person}', 20);
		INSERT INTO venues (name, address_line1, town, postcode, capacity) VALUES ('Room', '1 Road', 'Portsmouth', 'PO1 1AA', 20);
		INSERT INTO venues (name, online) VALUES ('Teams', true);`)
	require.NoError(t, err)

	tests := []struct {
		name, sql, constraint string
	}{
		{"overbooked session", `INSERT INTO sessions (course_id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, seats_taken)
			SELECT c.id, v.id, '2027-01-05 09:30Z', '2027-01-05 16:00Z', '2027-01-02', 10, 11 FROM courses c, venues v WHERE v.name = 'Room'`,
			"sessions_seats_within_capacity"},
		{"ends before it starts", `INSERT INTO sessions (course_id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity)
			SELECT c.id, v.id, '2027-01-05 16:00Z', '2027-01-05 09:30Z', '2027-01-02', 10 FROM courses c, venues v WHERE v.name = 'Room'`,
			"22000"}, // the time range itself refuses an upper bound below its lower one
		{"cut-off after start", `INSERT INTO sessions (course_id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity)
			SELECT c.id, v.id, '2027-01-05 09:30Z', '2027-01-05 16:00Z', '2027-01-06', 10 FROM courses c, venues v WHERE v.name = 'Room'`,
			"sessions_cutoff_before_start"},
		{"cancelled without a reason", `INSERT INTO sessions (course_id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, v.id, '2027-01-05 09:30Z', '2027-01-05 16:00Z', '2027-01-02', 10, 'cancelled' FROM courses c, venues v WHERE v.name = 'Room'`,
			"sessions_cancelled_has_reason"},
		{"room without an address", `INSERT INTO venues (name, capacity) VALUES ('Nowhere', 10)`, "venues_room_has_address"},
		{"online venue with a room size", `INSERT INTO venues (name, online, capacity) VALUES ('Zoom', true, 10)`, "venues_online_has_no_room"},
		{"unknown sector", `INSERT INTO agencies (name, sector, charging_band) VALUES ('X', 'army', 'partner')`, "agencies_sector_check"},
		{"duplicate agency, other case", `INSERT INTO agencies (name, sector, charging_band) VALUES ('Solent NHS Trust', 'health', 'partner'), ('SOLENT NHS TRUST', 'health', 'partner')`, "agencies_name_key"},
		{"unknown audience", `UPDATE courses SET audiences = '{everyone,aliens}'`, "courses_audiences_check"},
		{"bad slug", `UPDATE courses SET slug = 'Has Spaces'`, "courses_slug_check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pool.Exec(ctx, tt.sql)
			var pgErr *pgconn.PgError
			require.ErrorAs(t, err, &pgErr)
			if pgErr.ConstraintName != "" {
				assert.Equal(t, tt.constraint, pgErr.ConstraintName)
			} else {
				assert.Equal(t, tt.constraint, pgErr.Code, pgErr.Message)
			}
		})
	}
}

func provider(t *testing.T, sqlDB *sql.DB) *goose.Provider {
	t.Helper()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, db.Migrations(), goose.WithDisableGlobalRegistry(true))
	require.NoError(t, err)
	return p
}

func countMigrations(t *testing.T) int {
	t.Helper()
	sqlDB, err := sql.Open("pgx", "")
	require.NoError(t, err)
	defer sqlDB.Close()
	return len(provider(t, sqlDB).ListSources())
}

// A database holding data at each earlier version migrates up: the upgrade
// path a running partnership takes, not only the empty one.
func TestMigrationsUpgradeADatabaseWithData(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewEmpty(t)
	ctx := context.Background()
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p := provider(t, sqlDB)
	_, err := p.UpTo(ctx, 3)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `
		WITH a AS (INSERT INTO agencies (name, sector, charging_band) VALUES ('Test agency', 'health', 'partner') RETURNING id),
		     c AS (INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
		                                level, duration, delivery_modes, default_capacity)
		           VALUES ('a-course', 'A course', 'Summary', 'Description', ARRAY['Outcome'], 'Everyone', ARRAY['everyone'],
		                   1, 'half_day', ARRAY['in_person'], 20) RETURNING id),
		     v AS (INSERT INTO venues (name, online) VALUES ('Teams', true) RETURNING id)
		INSERT INTO sessions (course_id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, closed_to_agency_id)
		SELECT c.id, v.id, '2030-01-07 09:30Z'::timestamptz, '2030-01-07 12:30Z'::timestamptz, '2030-01-04 09:30Z'::timestamptz, 20, 'published', a.id FROM a, c, v
		UNION ALL
		SELECT c.id, v.id, '2030-01-08 09:30Z'::timestamptz, '2030-01-08 12:30Z'::timestamptz, '2030-01-05 09:30Z'::timestamptz, 20, 'published', NULL FROM a, c, v`)
	require.NoError(t, err)
	_, err = p.Up(ctx)
	require.NoError(t, err, "migrating a database that holds a closed session")
	var tokens int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM sessions WHERE closed_to_agency_id IS NOT NULL AND invite_token IS NOT NULL").Scan(&tokens))
	assert.Equal(t, 1, tokens, "the closed session gets its invite link")

	// Rolling bookings back leaves no places counted for bookings that are gone.
	_, err = pool.Exec(ctx, `
		WITH u AS (INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		           SELECT 'p@example.org', 'P', id, '!', now() FROM agencies LIMIT 1 RETURNING id, agency_id)
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at)
		SELECT s.id, u.id, u.agency_id, 'confirmed', u.id, now(), now() FROM u, sessions s WHERE s.closed_to_agency_id IS NULL`)
	require.NoError(t, err)
	_, err = p.DownTo(ctx, 5)
	require.NoError(t, err)
	var taken int
	require.NoError(t, pool.QueryRow(ctx, "SELECT coalesce(sum(seats_taken), 0) FROM sessions").Scan(&taken))
	assert.Zero(t, taken)
}

// Migrating to the status enums keeps every row's status and the seats it
// takes, and rolling back gives the text back.
func TestStatusTypesKeepTheRows(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewEmpty(t)
	ctx := context.Background()
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p := provider(t, sqlDB)
	_, err := p.UpTo(ctx, 31)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `
		WITH a AS (INSERT INTO agencies (name, sector, charging_band) VALUES ('Test agency', 'health', 'partner') RETURNING id),
		     c AS (INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
		                                level, duration, delivery_modes, default_capacity)
		           VALUES ('a-course', 'A course', 'Summary', 'Description', ARRAY['Outcome'], 'Everyone', ARRAY['everyone'],
		                   1, 'half_day', ARRAY['in_person'], 20) RETURNING id, title),
		     v AS (INSERT INTO venues (name, online) VALUES ('Teams', true) RETURNING id),
		     s AS (INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		           SELECT c.id, c.title, v.id, '2030-01-07 09:30Z', '2030-01-07 12:30Z', '2030-01-04 09:30Z', 20, 'published'
		           FROM c, v RETURNING id),
		     u AS (INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		           SELECT x || '@example.org', x, a.id, '!', now() FROM a, unnest(ARRAY['p', 'q', 'r']) x RETURNING id, agency_id, full_name)
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, waiting_since, ended_at)
		SELECT s.id, u.id, u.agency_id,
		       CASE u.full_name WHEN 'p' THEN 'confirmed' WHEN 'q' THEN 'waiting' ELSE 'cancelled' END,
		       u.id, now(), now(), now(), CASE WHEN u.full_name = 'r' THEN now() END
		FROM s, u`)
	require.NoError(t, err)

	statuses := func() (string, string, int) {
		var booked, session string
		var taken int
		require.NoError(t, pool.QueryRow(ctx, `
			SELECT string_agg(b.status::text || ':' || pg_typeof(b.status)::text, ',' ORDER BY b.id), min(s.status::text || ':' || pg_typeof(s.status)::text), min(s.seats_taken)
			FROM bookings b JOIN sessions s ON s.id = b.session_id`).Scan(&booked, &session, &taken))
		return booked, session, taken
	}
	_, err = p.Up(ctx)
	require.NoError(t, err)
	booked, session, taken := statuses()
	assert.Equal(t, "confirmed:booking_status,waiting:booking_status,cancelled:booking_status", booked)
	assert.Equal(t, "published:session_status", session)
	assert.Equal(t, 1, taken)
	var details int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM booking_details WHERE session_status = 'published'").Scan(&details))
	assert.Equal(t, 3, details, "the view reads the typed columns")
	_, err = pool.Exec(ctx, "UPDATE bookings SET status = 'confrimed' WHERE status = 'confirmed'")
	assert.ErrorContains(t, err, "invalid input value for enum booking_status")

	_, err = p.DownTo(ctx, 32)
	require.NoError(t, err)
	booked, session, taken = statuses()
	assert.Equal(t, "confirmed:text,waiting:text,cancelled:text", booked)
	assert.Equal(t, "published:text", session)
	assert.Equal(t, 1, taken)
}

// A single partnership's database, as it stood before partnerships (issue
// 22), migrates with nothing lost: its courses, venues, sessions and managers
// become the first partnership's, whose manager then sees every one of them
// under the row-level security policies; rolling back gives the rows back
// as they were.
func TestASinglePartnershipsDatabaseBecomesTheFirstPartnership(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewEmpty(t)
	ctx := context.Background()
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p := provider(t, sqlDB)
	_, err := p.UpTo(ctx, 43)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `
		WITH a AS (INSERT INTO agencies (name, sector, charging_band) VALUES ('Test agency', 'health', 'partner') RETURNING id),
		     c AS (INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
		                                level, duration, delivery_modes, default_capacity)
		           VALUES ('a-course', 'A course', 'Summary', 'Description', ARRAY['Outcome'], 'Everyone', ARRAY['everyone'],
		                   1, 'half_day', ARRAY['in_person'], 20) RETURNING id, title),
		     v AS (INSERT INTO venues (name, online) VALUES ('Teams', true) RETURNING id),
		     s AS (INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		           SELECT c.id, c.title, v.id, '2030-01-07 09:30Z', '2030-01-07 12:30Z', '2030-01-04 09:30Z', 20, 'published'
		           FROM c, v RETURNING id),
		     u AS (INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		           SELECT x || '@example.org', x, a.id, '!', now() FROM a, unnest(ARRAY['manager', 'trainer', 'p']) x
		           RETURNING id, agency_id, full_name),
		     r AS (INSERT INTO user_roles (user_id, role) SELECT id, full_name FROM u WHERE full_name <> 'p')
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at)
		SELECT s.id, u.id, u.agency_id, 'confirmed', u.id, now(), now() FROM s, u WHERE u.full_name = 'p'`)
	require.NoError(t, err)
	rows := func() string {
		var s string
		require.NoError(t, pool.QueryRow(ctx, `
			SELECT concat_ws('/',
				(SELECT string_agg(concat_ws(',', id, slug, title), ';' ORDER BY id) FROM courses),
				(SELECT string_agg(concat_ws(',', id, name), ';' ORDER BY id) FROM venues),
				(SELECT string_agg(concat_ws(',', id, course_id, venue_id, status, seats_taken), ';' ORDER BY id) FROM sessions),
				(SELECT string_agg(concat_ws(',', id, session_id, user_id, status), ';' ORDER BY id) FROM bookings),
				(SELECT string_agg(concat_ws(',', user_id, role), ';' ORDER BY user_id, role) FROM user_roles))`).Scan(&s))
		return s
	}
	before := rows()

	_, err = p.Up(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, rows(), "nothing lost")
	var first int64
	var partnerships, notFirst int
	require.NoError(t, pool.QueryRow(ctx, `SELECT min(id), count(*) FROM partnerships`).Scan(&first, &partnerships))
	assert.Equal(t, 1, partnerships, "one partnership: the deployment's own")
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM courses WHERE partnership_id <> $1) + (SELECT count(*) FROM venues WHERE partnership_id <> $1)
		     + (SELECT count(*) FROM sessions WHERE partnership_id <> $1)
		     + (SELECT count(*) FROM user_roles WHERE role = 'manager' AND partnership_id IS DISTINCT FROM $1)
		     + (SELECT count(*) FROM user_roles WHERE role <> 'manager' AND partnership_id IS NOT NULL)`, first).Scan(&notFirst))
	assert.Zero(t, notFirst, "everything is the first partnership's, and its manager manages it")

	// Its manager, under the policies, sees all of it.
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('role', 'booktraining_manager', true), set_config('app.partnership_id', $1, true)`,
			strconv.FormatInt(first, 10)); err != nil {
			return err
		}
		var seen string
		if err := tx.QueryRow(ctx, `
			SELECT concat_ws(',', (SELECT count(*) FROM courses), (SELECT count(*) FROM venues), (SELECT count(*) FROM sessions),
			                      (SELECT count(*) FROM bookings))`).Scan(&seen); err != nil {
			return err
		}
		assert.Equal(t, "1,1,1,1", seen, "the first partnership's manager sees its course, venue, session and booking")
		return nil
	})
	require.NoError(t, err)

	_, err = p.DownTo(ctx, 43)
	require.NoError(t, err)
	assert.Equal(t, before, rows(), "rolled back with nothing lost")
}

// Each partnership's money (issue 22, migration 00052): every agency's band,
// every price and the charge policy as they were become the first
// partnership's, so one partnership charges exactly as before; a partnership
// there already gets the policy every partnership starts with; rolling back
// gives the first partnership's bands back to the agencies.
func TestEachPartnershipsMoneyStartsAsTheFirstsBands(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewEmpty(t)
	ctx := context.Background()
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p := provider(t, sqlDB)
	_, err := p.UpTo(ctx, 51)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `
		INSERT INTO agencies (name, sector, charging_band)
		VALUES ('Police', 'police', 'partner'), ('School', 'education', 'contributing'), ('Nursery', 'private_independent', 'non_contributing');
		INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
		                     level, duration, delivery_modes, default_capacity)
		VALUES ('a-course', 'A course', 'Summary', 'Description', ARRAY['Outcome'], 'Everyone', ARRAY['everyone'],
		        1, 'half_day', ARRAY['in_person'], 20);
		INSERT INTO course_prices (course_id, charging_band, amount_pence)
		SELECT id, 'non_contributing', 4000 FROM courses;
		UPDATE charge_policy SET amount_pence = 1234 WHERE kind = 'late_cancellation' AND charging_band = 'contributing';
		INSERT INTO partnerships (slug, name, short_name) VALUES ('southampton', 'Southampton Safeguarding Children Partnership', 'Southampton');`)
	require.NoError(t, err)
	bands := func() string {
		var s string
		require.NoError(t, pool.QueryRow(ctx, `SELECT string_agg(name || '=' || charging_band, ',' ORDER BY id) FROM agencies`).Scan(&s))
		return s
	}
	before := bands()

	_, err = p.UpTo(ctx, 52)
	require.NoError(t, err)
	var got string
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT string_agg(a.name || '=' || ap.charging_band, ',' ORDER BY a.id)
		FROM agency_partnerships ap JOIN agencies a ON a.id = ap.agency_id
		WHERE ap.partnership_id = first_partnership_id()`).Scan(&got))
	assert.Equal(t, before, got, "every band is the first partnership's")
	var elsewhere int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM agency_partnerships WHERE partnership_id <> first_partnership_id()`).Scan(&elsewhere))
	assert.Zero(t, elsewhere, "no agency is put in another partnership's area")
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT string_agg(concat_ws(':', (cp.partnership_id = c.partnership_id), cp.charging_band, cp.amount_pence), ',')
		FROM course_prices cp JOIN courses c ON c.id = cp.course_id`).Scan(&got))
	assert.Equal(t, "t:non_contributing:4000", got, "the price is its course's partnership's")
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT string_agg(concat_ws(':', p.slug, count), ',' ORDER BY p.id) FROM (
			SELECT partnership_id, count(*) FROM charge_policy GROUP BY partnership_id) x JOIN partnerships p ON p.id = x.partnership_id`).Scan(&got))
	assert.Equal(t, "portsmouth:12,southampton:12", got, "every partnership has the whole policy")
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT string_agg(p.slug || '=' || cp.amount_pence, ',' ORDER BY p.id)
		FROM charge_policy cp JOIN partnerships p ON p.id = cp.partnership_id
		WHERE cp.kind = 'late_cancellation' AND cp.charging_band = 'contributing' AND cp.duration = 'full_day'`).Scan(&got))
	assert.Equal(t, "portsmouth=1234,southampton=10000", got, "the first keeps its policy; another starts from the defaults")

	// A partnership made later gets the default policy; an agency listed by
	// the service is in the first partnership's area with the band it was
	// listed with.
	_, err = pool.Exec(ctx, `
		INSERT INTO partnerships (slug, name, short_name) VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire');
		INSERT INTO agencies (name, sector, charging_band) VALUES ('Scouts', 'voluntary_community', 'contributing');`)
	require.NoError(t, err)
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT concat_ws(',', (SELECT count(*) FROM charge_policy cp JOIN partnerships p ON p.id = cp.partnership_id WHERE p.slug = 'hampshire'),
		                      (SELECT string_agg(ap.charging_band || '@' || (ap.partnership_id = first_partnership_id()), ';')
		                       FROM agency_partnerships ap JOIN agencies a ON a.id = ap.agency_id WHERE a.name = 'Scouts'))`).Scan(&got))
	assert.Equal(t, "12,contributing@true", got)

	_, err = pool.Exec(ctx, `UPDATE agency_partnerships SET charging_band = 'partner'
		WHERE agency_id = (SELECT id FROM agencies WHERE name = 'School') AND partnership_id = first_partnership_id()`)
	require.NoError(t, err)
	_, err = p.DownTo(ctx, 51)
	require.NoError(t, err)
	assert.Equal(t, "Police=partner,School=partner,Nursery=non_contributing,Scouts=contributing", bands(),
		"rolled back, the first partnership's bands are the agencies'")
}
