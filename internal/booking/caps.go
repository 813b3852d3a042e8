package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// Caps are a session's fair-places rule: until ReleaseAt, one agency may
// hold at most AgencyCap of its places and one sector at most SectorCap (0:
// no cap of that kind). After it, the places left are open to all. The
// seat-counting trigger enforces them; Go reads them to say why and to keep
// the waiting list fair.
type Caps struct {
	AgencyCap int
	SectorCap int
	ReleaseAt time.Time // zero: the session has no caps
}

// Active reports whether the caps hold at now.
func (c Caps) Active(now time.Time) bool {
	return !c.ReleaseAt.IsZero() && now.Before(c.ReleaseAt) && (c.AgencyCap > 0 || c.SectorCap > 0)
}

func capsOf(agencyCap, sectorCap *int32, release *time.Time) Caps {
	var c Caps
	if agencyCap != nil {
		c.AgencyCap = int(*agencyCap)
	}
	if sectorCap != nil {
		c.SectorCap = int(*sectorCap)
	}
	if release != nil {
		c.ReleaseAt = *release
	}
	return c
}

// Share is the places one agency, and its sector, hold on a session.
type Share struct {
	Agency       string
	Sector       agency.Sector
	AgencyPlaces int
	SectorPlaces int
}

// CapError says a person's agency (or its sector) holds every place its cap
// allows on a session until the caps lift. They may join the waiting list;
// a manager may book them past the cap by giving a reason.
type CapError struct {
	Share
	Caps
	BySector bool // the sector's cap, not the agency's, is reached
}

func (e *CapError) Error() string {
	if e.BySector {
		return fmt.Sprintf("the %s sector holds %d of its %d places", e.Sector, e.SectorPlaces, e.SectorCap)
	}
	return fmt.Sprintf("%s holds %d of its %d places", e.Agency, e.AgencyPlaces, e.AgencyCap)
}

// Kind makes a reached cap a conflict: the session's state refuses it now.
func (e *CapError) Kind() errs.Kind { return errs.Conflict }

// Reason says it in a sentence for the person booking.
func (e *CapError) Reason() string {
	until := london.Clock(e.ReleaseAt) + " on " + london.LongDate(e.ReleaseAt)
	if e.BySector {
		return fmt.Sprintf("To keep the session multi-agency, the %s sector may hold %d of its places until %s, and it holds %d.",
			e.Sector.Label(), e.SectorCap, until, e.SectorPlaces)
	}
	return fmt.Sprintf("To keep the session multi-agency, each agency may hold %d of its places until %s, and %s holds %d.",
		e.AgencyCap, until, e.Agency, e.AgencyPlaces)
}

// IsCapped reports whether err is a reached cap, and returns it.
func IsCapped(err error) (*CapError, bool) {
	var ce *CapError
	ok := errors.As(err, &ce)
	return ce, ok
}

// capReached returns a *CapError when agencyID's agency or sector holds
// all the places the caps allow now, nil when a place is within them. The
// caller holds the session's lock, so the counts stand until it commits.
func capReached(ctx context.Context, q *bookingdb.Queries, sessionID int64, agencyID *int64, c Caps, now time.Time) error {
	if agencyID == nil || !c.Active(now) {
		return nil
	}
	sh, err := share(ctx, q, sessionID, *agencyID)
	if err != nil {
		return err
	}
	switch {
	case c.AgencyCap > 0 && sh.AgencyPlaces >= c.AgencyCap:
		return &CapError{Share: sh, Caps: c}
	case c.SectorCap > 0 && sh.SectorPlaces >= c.SectorCap:
		return &CapError{Share: sh, Caps: c, BySector: true}
	}
	return nil
}

func share(ctx context.Context, q *bookingdb.Queries, sessionID, agencyID int64) (Share, error) {
	r, err := q.CapShare(ctx, bookingdb.CapShareParams{SessionID: sessionID, AgencyID: agencyID})
	if errors.Is(err, pgx.ErrNoRows) {
		return Share{}, nil
	} else if err != nil {
		return Share{}, fmt.Errorf("share of agency %d in session %d: %w", agencyID, sessionID, err)
	}
	return Share{Agency: r.Name, Sector: agency.Sector(r.Sector), AgencyPlaces: int(r.AgencyPlaces), SectorPlaces: int(r.SectorPlaces)}, nil
}

// CapViolated reports whether err is the database refusing a place beyond
// a cap: a path that did not check first, or one that found it within.
func CapViolated(err error) bool {
	return pgerr.Violates(err, "bookings_within_agency_cap", "bookings_within_sector_cap")
}

// ErrCapReached is a place the database refused because the person's
// agency or sector holds all its cap allows, found too late to say more.
var ErrCapReached = errs.Says(errs.Conflict,
	"Your agency holds all the places it may have on this session for now, to keep it multi-agency.")

func isCapError(err error) bool {
	_, ok := IsCapped(err)
	return ok
}

// FieldCapReason is the manager's reason for booking someone past a cap.
const FieldCapReason = "cap-reason"

// capReasonFor tidies a manager's reason for going past a cap; only a
// manager may give one.
func capReasonFor(who actor.Actor, typed string) (string, error) {
	if !who.Manager {
		return "", nil
	}
	reason := validation.CleanText(typed)
	if len([]rune(reason)) > 500 {
		var v validation.Errors
		v.Add(FieldCapReason, "The reason must be 500 characters or fewer")
		return "", v.Err()
	}
	return reason, nil
}

// waiter is someone on a waiting list, as the caps see them.
type waiter struct {
	ID       int64
	AgencyID *int64
	Sector   string
}

// pickOffers chooses, in waiting-list order, up to free people to offer a
// place to, passing over anyone whose agency or sector would go past its
// cap (counting the places already held and those offered here). They keep
// their place in the queue for a place their agency may have, or for the
// caps' release.
func pickOffers(waiting []waiter, free int, c Caps, agencyPlaces map[int64]int, sectorPlaces map[string]int) []int64 {
	picked := []int64{}
	for _, w := range waiting {
		if len(picked) >= free {
			break
		}
		if w.AgencyID != nil {
			if c.AgencyCap > 0 && agencyPlaces[*w.AgencyID] >= c.AgencyCap {
				continue
			}
			if c.SectorCap > 0 && sectorPlaces[w.Sector] >= c.SectorCap {
				continue
			}
			agencyPlaces[*w.AgencyID]++
			sectorPlaces[w.Sector]++
		}
		picked = append(picked, w.ID)
	}
	return picked
}

// offerableUnderCaps returns the IDs of the people waiting for session
// sessionID who may be offered its free places while its caps hold, or nil
// when no caps hold (everyone waiting may be, in order).
func offerableUnderCaps(ctx context.Context, q *bookingdb.Queries, se bookingdb.LockSessionForBookingRow, now time.Time) ([]int64, error) {
	c := capsOf(se.AgencyCap, se.SectorCap, se.CapsReleaseAt)
	if !c.Active(now) {
		return nil, nil
	}
	rows, err := q.WaitingWithAgency(ctx, se.ID)
	if err != nil {
		return nil, fmt.Errorf("waiting list of session %d: %w", se.ID, err)
	}
	if len(rows) == 0 {
		return []int64{}, nil
	}
	seats, err := q.SeatsByAgency(ctx, se.ID)
	if err != nil {
		return nil, fmt.Errorf("places by agency of session %d: %w", se.ID, err)
	}
	agencyPlaces, sectorPlaces := map[int64]int{}, map[string]int{}
	for _, s := range seats {
		agencyPlaces[s.AgencyID] += int(s.Places)
		sectorPlaces[s.Sector] += int(s.Places)
	}
	waiting := make([]waiter, len(rows))
	for i, r := range rows {
		waiting[i] = waiter{ID: r.ID, AgencyID: r.AgencyID, Sector: r.Sector}
	}
	return pickOffers(waiting, len(rows), c, agencyPlaces, sectorPlaces), nil
}

// AgencyShare is one agency's share of a session, for its page and the
// manager's list.
type AgencyShare struct {
	Agency  string // empty: people of no listed agency
	Sector  agency.Sector
	Places  int // places, holds and offers
	OverCap int // of them, let past a cap by a manager
	Waiting int
}

// SessionShares is each agency's share of a session, with its caps.
type SessionShares struct {
	Caps     Caps
	Agencies []AgencyShare
}

// Shares returns each agency's share of session id: the places it holds and
// how many of its people are waiting, most places first.
func (s *Service) Shares(ctx context.Context, id int64) (SessionShares, error) {
	rows, err := bookingdb.New(s.pool).SessionShares(ctx, id)
	if err != nil {
		return SessionShares{}, fmt.Errorf("shares of session %d: %w", id, err)
	}
	if len(rows) == 0 {
		return SessionShares{}, ErrNotFound
	}
	c := rows[0]
	out := SessionShares{Caps: capsOf(c.AgencyCap, c.SectorCap, c.CapsReleaseAt)}
	for _, r := range rows {
		if !r.Shared {
			continue
		}
		out.Agencies = append(out.Agencies, AgencyShare{
			Agency: r.AgencyName, Sector: agency.Sector(r.Sector), Places: int(r.Places), OverCap: int(r.OverCap), Waiting: int(r.Waiting),
		})
	}
	return out, nil
}
