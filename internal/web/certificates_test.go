package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/pscp/booktraining/internal/london"
)

// placesOf is the person's bookings, oldest first.
func (a testApp) placesOf(t *testing.T, user int64) []int64 {
	t.Helper()
	rows, err := a.pool.Query(context.Background(), "SELECT id FROM bookings WHERE user_id = $1 ORDER BY id", user)
	require.NoError(t, err)
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}

// readPDF is the text pdftotext (Debian's poppler-utils) reads from a PDF,
// its lines joined by spaces, with Arabic's joined letter forms read as the
// letters (NFKC) and the direction marks it adds dropped.
func readPDF(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is needed to read the PDFs back: apt-get install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "read.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	require.NoError(t, err)
	s := strings.Map(func(r rune) rune {
		if r >= 0x202A && r <= 0x202E || r == 0x200E || r == 0x200F {
			return -1
		}
		return r
	}, norm.NFKC.String(string(out)))
	return strings.Join(strings.Fields(s), " ")
}

var certificateCode = regexp.MustCompile(`Certificate code: ([0-9A-Z]{4})-([0-9A-Z]{4})-([0-9A-Z]{4})`)

// A practitioner downloads the certificate of a session they attended, from
// My training; its code verifies publicly, showing the name, course and date
// only; their training record comes as a PDF; another person's place is
// not found and one not attended says why; a made-up code is not found; and
// once they delete their account their code stops verifying.
func TestCertificates(t *testing.T) {
	t.Parallel()
	a := setup(t)
	ctx := context.Background()
	sam := a.newUser(t, "sam@example.org", "")
	other := a.newUser(t, "other@example.org", "")
	const name = "Ŵyn Łukasz Żółć محمد"
	_, err := a.pool.Exec(ctx, "UPDATE users SET full_name = $1 WHERE id = $2", name, sam)
	require.NoError(t, err)
	a.addAttended(t, sam, 40*24*time.Hour, 390*time.Minute, "attended")
	a.addAttended(t, sam, 20*24*time.Hour, 3*time.Hour, "absent")
	a.addAttended(t, other, 20*24*time.Hour, 3*time.Hour, "attended")
	samPlaces, otherPlaces := a.placesOf(t, sam), a.placesOf(t, other)
	attended, absent, theirs := samPlaces[0], samPlaces[1], otherPlaces[0]
	var course string
	var starts, ends time.Time
	require.NoError(t, a.pool.QueryRow(ctx, `SELECT s.course_title, s.starts_at, s.ends_at FROM bookings b
		JOIN sessions s ON s.id = b.session_id WHERE b.id = $1`, attended).Scan(&course, &starts, &ends))

	c := a.as(t, "sam@example.org")
	_, page := c.get("/my-training")
	assert.Contains(t, page, `href="/my-training/certificates"`)
	resp, page := c.get("/my-training/certificates")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `href="/my-training/certificates/`+id(attended)+`"`)
	assert.NotContains(t, page, `href="/my-training/certificates/`+id(absent)+`"`, "only attended places have certificates")
	assert.Contains(t, page, `href="/my-training/record.pdf"`)

	resp, body := c.get("/my-training/certificates/" + id(attended))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	text := readPDF(t, []byte(body))
	assert.Contains(t, text, norm.NFKC.String(name))
	assert.Contains(t, text, course)
	assert.Contains(t, text, london.When(starts, ends))
	assert.Contains(t, text, "6.5 hours of training")
	assert.Contains(t, text, "Portsmouth Safeguarding Children Partnership")
	m := certificateCode.FindStringSubmatch(text)
	require.NotNil(t, m, "the certificate prints its code: %s", text)
	code := m[1] + m[2] + m[3]
	assert.Contains(t, text, "http://localhost:3000/certificates/"+code)

	// The same place again: the same code.
	_, again := c.get("/my-training/certificates/" + id(attended))
	assert.Contains(t, readPDF(t, []byte(again)), "Certificate code: "+m[1]+"-"+m[2]+"-"+m[3])

	// Someone else's place: not found. Not attended: a page saying why.
	resp, page = c.get("/my-training/certificates/" + id(theirs))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, page, "Page not found")
	resp, page = c.get("/my-training/certificates/" + id(absent))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, page, "There is no certificate for this place")
	assert.Contains(t, page, "does not show that you attended")
	resp, _ = c.get("/my-training/certificates/99999999")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// The training record.
	resp, body = c.get("/my-training/record.pdf")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	record := readPDF(t, []byte(body))
	assert.Contains(t, record, "Training record")
	assert.Contains(t, record, norm.NFKC.String(name))
	assert.Contains(t, record, course)
	assert.Contains(t, record, "1 session attended, 6.5 hours of training in all")

	// Anyone checks the code: name, course and date, nothing more.
	anon := a.client(t)
	resp, page = anon.get("/certificates/" + code)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "This certificate is genuine")
	assert.Contains(t, page, htmlEscape(name))
	assert.Contains(t, page, htmlEscape(course))
	assert.Contains(t, page, london.When(starts, ends))
	assert.NotContains(t, page, "sam@example.org")
	assert.NotContains(t, page, "6.5 hours", "only the name, course and date")
	// Typed from paper, in lower case with its hyphens: sent to its page.
	resp, _ = anon.get("/certificates?code=" + url.QueryEscape(strings.ToLower(m[1]+"-"+m[2]+"-"+m[3])))
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/certificates/"+code, resp.Header.Get("Location"))
	resp, page = anon.get("/certificates")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Check a certificate")

	// Made up.
	for _, madeUp := range []string{"ABCDEFGHJKMN", "nonsense", "0000-0000-0000"} {
		resp, page = anon.get("/certificates/" + url.PathEscape(madeUp))
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, madeUp)
		assert.Contains(t, page, "No certificate has this code", madeUp)
	}
	resp, page = anon.get("/certificates?code=nonsense")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, page, "No certificate has this code")

	// Their download of their data holds the certificate.
	resp, body = c.post("/account/data/download", url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, strings.Join(strings.Fields(body), ""), `"certificates":[{"code":"`+code+`"`)

	// Sam deletes their account: the code stops verifying.
	resp, _ = c.post("/account/delete", url.Values{"password": {testPassword}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, page = anon.get("/certificates/" + code)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, page, "No certificate has this code")
	assert.NotContains(t, page, htmlEscape(name))
	var left int
	require.NoError(t, a.pool.QueryRow(ctx, "SELECT count(*) FROM certificates").Scan(&left))
	assert.Zero(t, left, "erasure deletes the certificate")
}
