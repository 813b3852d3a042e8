package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/pscp/booktraining/internal/pgplan"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit/internal/auditdb"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/privacy"
)

// View is one look at other people's personal data, recorded as a
// PersonalDataViewed event whose details say what was seen and name
// everyone it showed, so each of them can later be told who saw them. Who
// looked, and from where, is the context's actor.
type View struct {
	As string // the role it was seen in: "manager", "coordinator", "trainer"
	// What was seen, in words for the audit log and the person's download:
	// "their person page", "the register of Safeguarding Essentials on …".
	What      string
	PersonID  *int64 // the person whose page it was
	SessionID *int64 // a session's register or list of bookings
	AgencyID  *int64 // an agency's people or bookings
	// People and Bookings name everyone else shown: people by account, and
	// the people of bookings as they are at this moment.
	People   []int64
	Bookings []int64
}

// ErrNobodyViewing is a view recorded with no signed-in actor in the
// context: only a person can be shown other people's data.
var ErrNobodyViewing = errs.New(errs.Forbidden, "audit: a view of personal data with nobody signed in")

// RecordView writes v to the audit log as seen by the actor in ctx.
func (l *Log) RecordView(ctx context.Context, v View) error {
	a := actor.From(ctx)
	if !a.SignedIn() {
		return ErrNobodyViewing
	}
	d := map[string]any{"what": v.What, "as": v.As}
	if v.SessionID != nil {
		d["session_id"] = *v.SessionID
	}
	details, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("audit view: %w", err)
	}
	var ip *netip.Addr
	if addr, err := netip.ParseAddr(a.IP); err == nil {
		ip = &addr
	}
	people, bookings := v.People, v.Bookings
	if people == nil {
		people = []int64{}
	}
	if bookings == nil {
		bookings = []int64{}
	}
	// With its generic plan (pgplan): planned for each view's bookings, in
	// a manager's scope, the insert also ran its look-up of the bookings'
	// people through the policies' slower plan (at 100x in psql, 0.3–0.5 ms
	// planning and 4–8 ms running against 0.04 and 0.5–0.6 ms).
	// BEGIN, the insert and COMMIT are one round trip (pgplan.Exec).
	err = pgplan.Exec(ctx, l.pool, func(db pgplan.Execer) error {
		return auditdb.New(db).InsertViewEvent(ctx, auditdb.InsertViewEventParams{
			At: l.now(), ActorID: a.IDPtr(), SubjectUserID: v.PersonID, AgencyID: v.AgencyID, Details: details,
			People: people, BookingIds: bookings, Ip: ip,
		})
	})
	if err != nil {
		return fmt.Errorf("audit view of %s: %w", v.What, err)
	}
	return nil
}

// ViewOfYou is one look at a person's record by someone else, as their
// download lists it.
type ViewOfYou struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`   // their name ("Deleted person" once erased)
	Role string    `json:"role"` // the role they looked in
	What string    `json:"what"`
}

// roleWords names the roles views are made in.
var roleWords = map[string]string{
	"manager":     "training manager",
	"coordinator": "agency coordinator",
	"trainer":     "trainer",
}

// ViewsPart is the privacy part that lists, in a person's download, every
// view of their record by someone else: their person page, a register, list
// of bookings or list of people they were on at the time, an export that
// held them.
//
// Its Erase does nothing: the audit log keeps its entries for their six
// years (the retention schedule), and once the account is erased they
// point at "Deleted person", so nothing in them names the person any more.
func ViewsPart() privacy.Part {
	return privacy.Part{
		Name: "views_of_your_record",
		Export: func(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
			rows, err := auditdb.New(tx).ListViewsOf(ctx, p.ID)
			if err != nil {
				return nil, fmt.Errorf("export views of %d: %w", p.ID, err)
			}
			out := make([]ViewOfYou, 0, len(rows))
			for _, r := range rows {
				var d struct {
					What string `json:"what"`
					As   string `json:"as"`
				}
				_ = json.Unmarshal(r.Details, &d)
				role := roleWords[d.As]
				if role == "" {
					role = d.As
				}
				out = append(out, ViewOfYou{At: r.At, By: r.ActorName, Role: role, What: d.What})
			}
			return out, nil
		},
		Erase: func(context.Context, pgx.Tx, privacy.Person, time.Time) error { return nil },
	}
}
