package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The certificate pages pass axe-core (WCAG 2.2 A and AA) and read on a
// 320px screen: a practitioner's list of certificates, the public form to
// check a code, a genuine certificate, and a made-up code's not-found page.
func TestBrowserCertificatePages(t *testing.T) {
	t.Parallel()
	a := setup(t)
	base := listen(t, a)
	sam := a.newUser(t, "sam@example.org", "")
	_, err := a.pool.Exec(context.Background(), "UPDATE users SET full_name = 'Ŵyn Łukasz Żółć-Abdelrahman محمد عبد الله' WHERE id = $1", sam)
	require.NoError(t, err)
	a.addAttended(t, sam, 40*24*time.Hour, 390*time.Minute, "attended")
	a.addAttended(t, sam, 20*24*time.Hour, 3*time.Hour, "late")
	// One certificate made, so the list shows its code.
	resp, _ := a.as(t, "sam@example.org").get("/my-training/certificates/" + id(a.placesOf(t, sam)[0]))
	require.Equal(t, 200, resp.StatusCode)
	var code string
	require.NoError(t, a.pool.QueryRow(context.Background(), "SELECT code FROM certificates").Scan(&code))

	t.Run("practitioner", func(t *testing.T) {
		tab := narrowTab(t, base, "sam@example.org")
		fitsNarrowScreen(t, tab, base, "/my-training/certificates")
		assert.Equal(t, "Your certificates", text(t, tab, "h1"))
	})
	t.Run("public", func(t *testing.T) {
		tab := narrowTab(t, base, "")
		fitsNarrowScreen(t, tab, base, "/certificates")
		fitsNarrowScreen(t, tab, base, "/certificates/"+code)
		assert.Equal(t, "This certificate is genuine", text(t, tab, "h1"))
		fitsNarrowScreenAnswering(t, tab, base, "/certificates/ABCDEFGHJKMN", 404)
		assert.Equal(t, "No certificate has this code", text(t, tab, "h1"))
	})
}
