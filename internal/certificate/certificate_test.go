package certificate_test

import (
	"context"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/certificate"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/privacy"
)

var now = time.Date(2026, time.March, 20, 9, 0, 0, 0, time.UTC)

var update = flag.Bool("update", false, "rewrite testdata/certificate.txt from the certificate as made now")

type fixture struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	certs  *certificate.Service
	agency int64
}

func setup(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	base, _ := url.Parse("https://book.example.org")
	// The partnership whose sessions these are, named as the service is.
	_, err = pool.Exec(ctx, `UPDATE partnerships SET name = 'Test Safeguarding Partnership'`)
	require.NoError(t, err)
	f := fixture{ctx: ctx, pool: pool, certs: certificate.New(pool, base, "Test Safeguarding Partnership", func() time.Time { return now })}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
	return f
}

// course is the demo course the sessions are of: its title and outcomes.
func (f fixture) course(t testing.TB) (int64, string, []string) {
	t.Helper()
	var (
		id       int64
		title    string
		outcomes []string
	)
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id, title, learning_outcomes FROM courses ORDER BY id LIMIT 1").
		Scan(&id, &title, &outcomes))
	return id, title, outcomes
}

// session adds a completed online session of the course from starts (UTC),
// three hours long.
func (f fixture) session(t testing.TB, starts time.Time) int64 {
	t.Helper()
	course, _, _ := f.course(t)
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $2, $3, $4, 10, 'published'
		FROM courses c WHERE c.id = $1 RETURNING id`,
		course, starts, starts.Add(3*time.Hour), starts.Add(-24*time.Hour)).Scan(&id))
	return id
}

func (f fixture) person(t testing.TB, email, name string) actor.Actor {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ($1, $2, $3, '!', now()) RETURNING id`, email, name, f.agency).Scan(&id))
	a := f.agency
	return actor.Actor{ID: id, AgencyID: &a}
}

// place puts who on session with a confirmed place and the register's
// attendance ("" for none yet).
func (f fixture) place(t testing.TB, who actor.Actor, session int64, attendance string) int64 {
	t.Helper()
	var att *string
	if attendance != "" {
		att = &attendance
	}
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, attendance, attendance_at)
		VALUES ($1, $2, $3, 'confirmed', $2, now(), now(), $4, CASE WHEN $4::text IS NULL THEN NULL ELSE now() END)
		RETURNING id`, session, who.ID, f.agency, att).Scan(&id))
	return id
}

func (f fixture) as(who actor.Actor) context.Context { return actor.With(f.ctx, who) }

// pdfText is what Debian's pdftotext reads from a PDF, with Arabic's joined
// forms read as the letters they are (NFKC) and the direction marks it
// adds around right-to-left text dropped.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is needed to read the PDFs back: apt-get install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "out.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	require.NoError(t, err)
	s := strings.Map(func(r rune) rune {
		if r >= 0x202A && r <= 0x202E || r == 0x200E || r == 0x200F {
			return -1
		}
		return r
	}, norm.NFKC.String(string(out)))
	return s
}

func TestCertificateReadsBackTheirNameCourseAndDate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, title, outcomes := f.course(t)
	session := f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC))
	for _, name := range []string{"Priya Shah", "Ŵyn Łukasz Żółć", "محمد عبد الله", "Siân Ŷr Jones-محمد"} {
		t.Run(name, func(t *testing.T) {
			who := f.person(t, strings.ToLower(strings.Fields(name)[0])+"@example.org", name)
			id := f.place(t, who, session, "attended")
			pdf, c, err := f.certs.PDF(f.as(who), id)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(string(pdf), "%PDF-"))
			text := pdfText(t, pdf)
			assert.Contains(t, text, norm.NFKC.String(name), "the person's name, letter for letter")
			assert.Contains(t, text, title)
			assert.Contains(t, text, "Tuesday 3 March 2026, 9:30am to 12:30pm")
			assert.Contains(t, text, "3 hours of training")
			assert.Contains(t, text, "Test Safeguarding Partnership")
			assert.Contains(t, text, "Level ")
			for _, o := range outcomes {
				assert.Contains(t, strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(o), " "))
			}
			assert.Contains(t, text, certificate.GroupedCode(c.Code))
			assert.Contains(t, text, "https://book.example.org/certificates/"+c.Code)
		})
	}
}

func TestOnlyTheirOwnAttendedPlaceHasACertificate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC))
	sam, other := f.person(t, "sam@example.org", "Sam"), f.person(t, "other@example.org", "Other")
	attended := f.place(t, sam, session, "late")
	theirs := f.place(t, other, session, "attended")
	_, err := f.certs.Issue(f.as(sam), theirs)
	assert.ErrorIs(t, err, certificate.ErrNotFound, "someone else's place")
	assert.Equal(t, errs.NotFound, errs.KindOf(err))

	absentSession := f.session(t, time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC))
	absent := f.place(t, sam, absentSession, "absent")
	_, err = f.certs.Issue(f.as(sam), absent)
	assert.ErrorIs(t, err, certificate.ErrNotAttended)
	notYet := f.place(t, sam, f.session(t, time.Date(2026, 3, 17, 9, 30, 0, 0, time.UTC)), "")
	_, err = f.certs.Issue(f.as(sam), notYet)
	assert.ErrorIs(t, err, certificate.ErrNotAttended)
	_, err = f.certs.Issue(f.ctx, attended)
	assert.ErrorIs(t, err, certificate.ErrNotFound, "nobody signed in")

	// Arriving late is attending.
	c, err := f.certs.Issue(f.as(sam), attended)
	require.NoError(t, err)
	assert.Len(t, c.Code, 12)
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM certificates").Scan(&n))
	assert.Equal(t, 1, n, "refusals make nothing")
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT count(*) FROM audit_events WHERE action = 'certificate_issued' AND subject_user_id = $1", sam.ID).Scan(&n))
	assert.Equal(t, 1, n, "the certificate's making is audited")
}

func TestTheGateRefusesUntilItOpens(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org", "Sam")
	id := f.place(t, sam, f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)), "attended")
	notYet := errs.Says(errs.Conflict, "Evaluate the session first.")
	open := false
	f.certs.Ready = func(_ context.Context, _ pgx.Tx, bookingID int64) error {
		assert.Equal(t, id, bookingID)
		if !open {
			return notYet
		}
		return nil
	}
	_, err := f.certs.Issue(f.as(sam), id)
	assert.ErrorIs(t, err, notYet)
	open = true
	_, err = f.certs.Issue(f.as(sam), id)
	assert.NoError(t, err)
}

func TestConcurrentRequestsGetOneCode(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org", "Sam")
	id := f.place(t, sam, f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)), "attended")
	const n = 16
	codes := make([]string, n)
	failed := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := f.certs.Issue(f.as(sam), id)
			codes[i], failed[i] = c.Code, err
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, failed[i])
		assert.Equal(t, codes[0], codes[i], "request %d", i)
	}
	var rows, audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM certificates WHERE booking_id = $1", id).Scan(&rows))
	assert.Equal(t, 1, rows)
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT count(*) FROM audit_events WHERE action = 'certificate_issued'").Scan(&audited))
	assert.Equal(t, 1, audited, "made once, so audited once")
	// And later asks give the same code.
	c, err := f.certs.Issue(f.as(sam), id)
	require.NoError(t, err)
	assert.Equal(t, codes[0], c.Code)
}

func TestVerification(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, title, _ := f.course(t)
	session := f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC))
	sam, kim := f.person(t, "sam@example.org", "Sam Ŵyn"), f.person(t, "kim@example.org", "Kim")
	samPlace, kimPlace := f.place(t, sam, session, "attended"), f.place(t, kim, session, "attended")
	samCert, err := f.certs.Issue(f.as(sam), samPlace)
	require.NoError(t, err)
	kimCert, err := f.certs.Issue(f.as(kim), kimPlace)
	require.NoError(t, err)
	assert.NotEqual(t, samCert.Code, kimCert.Code)

	// Valid, however it is typed.
	for _, typed := range []string{samCert.Code, strings.ToLower(samCert.Code), certificate.GroupedCode(samCert.Code)} {
		v, err := f.certs.Verify(f.ctx, typed)
		require.NoError(t, err, typed)
		assert.Equal(t, certificate.Verified{Person: "Sam Ŵyn", Course: title,
			StartsAt: time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC), EndsAt: time.Date(2026, 3, 3, 12, 30, 0, 0, time.UTC)},
			certificate.Verified{Person: v.Person, Course: v.Course, StartsAt: v.StartsAt.UTC(), EndsAt: v.EndsAt.UTC()})
	}
	// Made up.
	for _, code := range []string{"", "ABCDEFGHJKMN", "nonsense", "0000-0000-0000", "'; DROP TABLE certificates; --"} {
		_, err := f.certs.Verify(f.ctx, code)
		assert.ErrorIs(t, err, certificate.ErrUnknownCode, code)
	}

	// Erased: the privacy registry's part deletes the certificates, and an
	// erased account verifies nothing anyway.
	part := certificate.PersonalData()[0]
	err = pgx.BeginTxFunc(f.ctx, f.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		d, err := part.Export(f.ctx, tx, privacy.Person{ID: sam.ID})
		require.NoError(t, err)
		assert.Equal(t, []certificate.PersonalCertificate{{Code: samCert.Code, IssuedAt: now, Course: title,
			StartsAt: time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)}}, normalise(d))
		if err := part.Erase(f.ctx, tx, privacy.Person{ID: sam.ID}, now); err != nil {
			return err
		}
		_, err = tx.Exec(f.ctx, "UPDATE users SET erased_at = now(), full_name = 'Erased', email = 'erased-' || id || '@invalid' WHERE id = $1", sam.ID)
		return err
	})
	require.NoError(t, err)
	_, err = f.certs.Verify(f.ctx, samCert.Code)
	assert.ErrorIs(t, err, certificate.ErrUnknownCode, "an erased person's code stops verifying")
	_, err = f.certs.Verify(f.ctx, kimCert.Code)
	assert.NoError(t, err, "others' still verify")

	// A register corrected to absent: the code no longer verifies.
	_, err = f.pool.Exec(f.ctx, "UPDATE bookings SET attendance = 'absent' WHERE id = $1", kimPlace)
	require.NoError(t, err)
	_, err = f.certs.Verify(f.ctx, kimCert.Code)
	assert.ErrorIs(t, err, certificate.ErrUnknownCode)
}

func normalise(d any) []certificate.PersonalCertificate {
	cs, _ := d.([]certificate.PersonalCertificate)
	for i := range cs {
		cs[i].IssuedAt, cs[i].StartsAt = cs[i].IssuedAt.UTC(), cs[i].StartsAt.UTC()
	}
	return cs
}

func TestTrainingRecordListsEverythingAttended(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, title, _ := f.course(t)
	sam := f.person(t, "sam@example.org", "Ŵyn Łukasz Żółć")
	first := f.place(t, sam, f.session(t, time.Date(2026, 2, 3, 9, 30, 0, 0, time.UTC)), "attended")
	f.place(t, sam, f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)), "late")
	f.place(t, sam, f.session(t, time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)), "absent")
	c, err := f.certs.Issue(f.as(sam), first)
	require.NoError(t, err)

	r, err := f.certs.Record(f.as(sam))
	require.NoError(t, err)
	require.Len(t, r.Lines, 2, "the absent place is not on the record")
	assert.Equal(t, "6 hours", r.TotalHours())
	assert.True(t, r.Lines[0].Late, "newest first")
	assert.Equal(t, c.Code, r.Lines[1].Code)

	pdf, err := f.certs.RecordPDF(f.as(sam), "")
	require.NoError(t, err)
	text := strings.Join(strings.Fields(pdfText(t, pdf)), " ") // lines as the page wraps them, joined
	for _, want := range []string{"Training record", "Ŵyn Łukasz Żółć", title, "Tuesday 3 February 2026, 9:30am to 12:30pm",
		"Tuesday 3 March 2026, 9:30am to 12:30pm", "Attended (arrived late)", "2 sessions attended, 6 hours of training in all",
		certificate.GroupedCode(c.Code), "Test Safeguarding Partnership"} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "10 March 2026")
}

// sample is a certificate as the README and the golden file show it.
func sample() certificate.Certificate {
	start := time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)
	return certificate.Certificate{BookingID: 1, Code: "7KQ2M9XD4TRA", IssuedAt: start.Add(4 * time.Hour),
		Person: "Ŵyn Łukasz Żółć", Course: "Working Together to Safeguard Children", Level: 2,
		StartsAt: start, EndsAt: start.Add(3 * time.Hour),
		Outcomes: []string{"Describe the roles and responsibilities of each agency in safeguarding children",
			"Explain when and how to share information", "Recognise the signs of abuse and neglect",
			"Know how to make a referral to children's social care"}}
}

// The certificate's text as pdftotext lays it out (-layout) is the golden
// file's: a change to the page shows in review.
func TestCertificateTextIsTheGoldenFiles(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://book.example.org")
	s := certificate.New(nil, base, "Portsmouth Safeguarding Children Partnership", time.Now)
	pdf, err := s.Render(sample())
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "c.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	require.NoError(t, err, "pdftotext (apt-get install poppler-utils)")
	golden := filepath.Join("testdata", "certificate.txt")
	if *update {
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(out))
}

// BenchmarkCertificate is the time and memory one certificate's PDF takes
// to make (the database's part aside).
func BenchmarkCertificate(b *testing.B) {
	base, _ := url.Parse("https://book.example.org")
	s := certificate.New(nil, base, "Portsmouth Safeguarding Children Partnership", time.Now)
	c := sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Render(c); err != nil {
			b.Fatal(err)
		}
	}
}

// The retention schedule deletes old bookings (privacy's DeleteBookings);
// their certificates go with them and stop verifying.
func TestACertificateGoesWithItsBooking(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sam := f.person(t, "sam@example.org", "Sam")
	id := f.place(t, sam, f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)), "attended")
	c, err := f.certs.Issue(f.as(sam), id)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "DELETE FROM bookings WHERE id = ANY($1::bigint[])", []int64{id})
	require.NoError(t, err)
	_, err = f.certs.Verify(f.ctx, c.Code)
	assert.ErrorIs(t, err, certificate.ErrUnknownCode)
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM certificates").Scan(&n))
	assert.Zero(t, n)
}

// A certificate is issued by the partnership whose session it was (issue
// 22), on the PDF and on the public check of its code.
func TestACertificateIsIssuedByTheSessionsPartnership(t *testing.T) {
	t.Parallel()
	f := setup(t)
	session := f.session(t, time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC))
	var course int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT course_id FROM sessions WHERE id = $1`, session).Scan(&course))
	_, err := f.pool.Exec(f.ctx, `
		WITH p AS (INSERT INTO partnerships (slug, name, short_name)
		           VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id),
		     shared AS (UPDATE courses SET shared = true WHERE id = $1 RETURNING id)
		INSERT INTO course_offers (course_id, partnership_id) SELECT (SELECT id FROM shared), id FROM p`, course)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET partnership_id = (SELECT id FROM partnerships WHERE slug = 'hampshire') WHERE id = $1`, session)
	require.NoError(t, err)
	who := f.person(t, "priya@example.org", "Priya Shah")
	id := f.place(t, who, session, "attended")
	pdf, c, err := f.certs.PDF(f.as(who), id)
	require.NoError(t, err)
	text := pdfText(t, pdf)
	assert.Contains(t, text, "Hampshire Safeguarding Children Partnership")
	assert.NotContains(t, text, "Test Safeguarding Partnership")
	v, err := f.certs.Verify(f.ctx, c.Code)
	require.NoError(t, err)
	assert.Equal(t, "Hampshire Safeguarding Children Partnership", v.Partnership)

	// The training record is issued by the partnership it is asked of.
	record, err := f.certs.RecordPDF(f.as(who), "Hampshire Safeguarding Children Partnership")
	require.NoError(t, err)
	assert.Contains(t, pdfText(t, record), "Hampshire Safeguarding Children Partnership")
	record, err = f.certs.RecordPDF(f.as(who), "")
	require.NoError(t, err)
	assert.Contains(t, pdfText(t, record), "Test Safeguarding Partnership", "the service's own, when asked of none")
}
