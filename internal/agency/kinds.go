// Package agency owns the partner organisations whose staff train together:
// their sector and the charging band that decides what they pay.
package agency

// Sector groups agencies the way the partnership reports on them.
type Sector string

const (
	SectorPolice         Sector = "police"
	SectorHealth         Sector = "health"
	SectorEducation      Sector = "education"
	SectorLocalAuthority Sector = "local_authority"
	SectorProbationYouth Sector = "probation_youth_justice"
	SectorVoluntary      Sector = "voluntary_community"
	SectorFaith          Sector = "faith"
	SectorPrivate        Sector = "private_independent"
	SectorFire           Sector = "fire"
	SectorOther          Sector = "other"
)

// Sectors lists every sector in display order.
var Sectors = []Sector{
	SectorPolice, SectorHealth, SectorEducation, SectorLocalAuthority, SectorProbationYouth,
	SectorVoluntary, SectorFaith, SectorPrivate, SectorFire, SectorOther,
}

func (s Sector) Label() string {
	switch s {
	case SectorPolice:
		return "Police"
	case SectorHealth:
		return "Health"
	case SectorEducation:
		return "Education"
	case SectorLocalAuthority:
		return "Local authority"
	case SectorProbationYouth:
		return "Probation and youth justice"
	case SectorVoluntary:
		return "Voluntary and community"
	case SectorFaith:
		return "Faith"
	case SectorPrivate:
		return "Private and independent"
	case SectorFire:
		return "Fire and rescue"
	case SectorOther:
		return "Other"
	}
	return string(s)
}

// ChargingBand decides what an agency pays for places and non-attendance.
// Safeguarding partners fund the programme; relevant agencies that contribute
// train at no charge per place; other organisations pay per place.
type ChargingBand string

const (
	BandPartner         ChargingBand = "partner"
	BandContributing    ChargingBand = "contributing"
	BandNonContributing ChargingBand = "non_contributing"
)

var ChargingBands = []ChargingBand{BandPartner, BandContributing, BandNonContributing}

func (b ChargingBand) Label() string {
	switch b {
	case BandPartner:
		return "Safeguarding partner"
	case BandContributing:
		return "Contributing agency"
	case BandNonContributing:
		return "Non-contributing organisation"
	}
	return string(b)
}
