package web

import (
	"fmt"
	"strings"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/scheduling"
)

// capsWords says a session's places per agency in a sentence: "Until 9:30am
// on Monday 1 March 2027, one agency may hold up to 4 places, and one
// sector up to 8." Empty when it has none.
func capsWords(c booking.Caps) string {
	if c.ReleaseAt.IsZero() || c.AgencyCap == 0 && c.SectorCap == 0 {
		return ""
	}
	var parts []string
	if c.AgencyCap > 0 {
		parts = append(parts, fmt.Sprintf("one agency may hold up to %d %s", c.AgencyCap, plural(c.AgencyCap, "place", "places")))
	}
	if c.SectorCap > 0 {
		parts = append(parts, fmt.Sprintf("one sector up to %d", c.SectorCap))
	}
	if c.AgencyCap == 0 {
		parts[0] = fmt.Sprintf("one sector may hold up to %d %s", c.SectorCap, plural(c.SectorCap, "place", "places"))
	}
	return fmt.Sprintf("Until %s on %s, %s. Then the places left are open to everyone.",
		clock(c.ReleaseAt), longDate(c.ReleaseAt), strings.Join(parts, ", and "))
}

func sessionCaps(se scheduling.Session) booking.Caps {
	return booking.Caps{AgencyCap: se.AgencyCap, SectorCap: se.SectorCap, ReleaseAt: se.CapsRelease}
}

// CapsHint is the session's places per agency, for the reason's hint.
func (p addPersonPage) CapsHint() string { return capsWords(sessionCaps(p.Session)) }

// CapsText is the session's places per agency while they hold, for the
// booking form.
func (p bookFormPage) CapsText() string {
	if !p.Session.CapsActive {
		return ""
	}
	return capsWords(p.Session.Caps)
}

// ShareText says what the person's agency holds of its share, while the
// caps hold: "Your agency: Hampshire Constabulary holds 2 of the 4 places it
// may have." Empty otherwise.
func (p bookFormPage) ShareText() string {
	sh, c := p.Session.Share, p.Session.Caps
	if !p.Session.CapsActive || sh.Agency == "" {
		return ""
	}
	var parts []string
	if c.AgencyCap > 0 {
		parts = append(parts, fmt.Sprintf("%s holds %d of the %d %s it may have", sh.Agency, sh.AgencyPlaces, c.AgencyCap, plural(c.AgencyCap, "place", "places")))
	}
	if c.SectorCap > 0 {
		parts = append(parts, fmt.Sprintf("the %s sector holds %d of the %d it may have", sh.Sector.Label(), sh.SectorPlaces, c.SectorCap))
	}
	return "Your agency: " + strings.Join(parts, ", and ") + "."
}
