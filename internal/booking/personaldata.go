package booking

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the bookings' part of the privacy registry. Erasure keeps
// every booking, with its agency, status and attendance, for the
// partnership's figures, and removes what the person told us (needs, line
// manager) and notes about their place (a manager's reason for a place past
// the agency's cap becomes a placeholder, so the place still counts as past). Ending their future places is not
// erasure but booking's rule (CancelFutureBookings, run first).
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name: "bookings",
		Columns: []string{"bookings.access_needs", "bookings.dietary_needs", "bookings.line_manager_name",
			"bookings.line_manager_email", "bookings.end_note", "bookings.cap_exceeded_reason"},
		Export: exportBookings,
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			return bookingdb.New(tx).EraseBookingDetails(ctx, p.ID)
		},
	}, {
		// The line manager's approval of a booking (approval.go): erasing the
		// person removes the line manager's name, address and reason too.
		Name: "booking_approvals",
		Columns: []string{"booking_approvals.line_manager_name", "booking_approvals.line_manager_email",
			"booking_approvals.token_hash", "booking_approvals.reason"},
		Export: exportApprovals,
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			return bookingdb.New(tx).EraseApprovals(ctx, p.ID)
		},
	}}
}

// PersonalApproval is a request to a line manager to approve a booking,
// and their answer.
type PersonalApproval struct {
	AskedAt          time.Time  `json:"asked_at"`
	Course           string     `json:"course"`
	StartsAt         time.Time  `json:"starts_at"`
	LineManagerName  string     `json:"line_manager_name"`
	LineManagerEmail string     `json:"line_manager_email,omitempty"`
	ExpiresAt        time.Time  `json:"expires_at"`
	DecidedAt        *time.Time `json:"decided_at,omitempty"`
	Decision         string     `json:"decision,omitempty"`
	Reason           string     `json:"reason,omitempty"`
}

func exportApprovals(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := bookingdb.New(tx).ExportApprovals(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalApproval{}
	for _, r := range rows {
		a := PersonalApproval{
			AskedAt: r.AskedAt.UTC(), Course: r.CourseTitle, StartsAt: r.StartsAt.UTC(), LineManagerName: r.LineManagerName,
			LineManagerEmail: r.LineManagerEmail, ExpiresAt: r.ExpiresAt.UTC(), Reason: r.Reason,
		}
		if r.DecidedAt != nil {
			t := r.DecidedAt.UTC()
			a.DecidedAt = &t
		}
		if r.Decision != nil {
			a.Decision = string(*r.Decision)
		}
		out = append(out, a)
	}
	return out, nil
}

// PersonalBooking is a place booked or waited for, with what the person
// told us when booking.
type PersonalBooking struct {
	CreatedAt        time.Time `json:"created_at"`
	Course           string    `json:"course"`
	StartsAt         time.Time `json:"starts_at"`
	EndsAt           time.Time `json:"ends_at"`
	Status           string    `json:"status"`
	LateCancellation bool      `json:"late_cancellation"`
	Attendance       string    `json:"attendance,omitempty"`
	Agency           string    `json:"agency,omitempty"`
	AccessNeeds      string    `json:"access_needs"`
	DietaryNeeds     string    `json:"dietary_needs"`
	LineManagerName  string    `json:"line_manager_name"`
	LineManagerEmail string    `json:"line_manager_email"`
	Note             string    `json:"note,omitempty"`
	// PastCap is a manager's reason for giving the place past the agency's cap.
	PastCap string `json:"past_agency_cap_reason,omitempty"`
}

func exportBookings(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := bookingdb.New(tx).ExportBookings(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalBooking{}
	for _, r := range rows {
		b := PersonalBooking{
			CreatedAt: r.CreatedAt.UTC(), Course: r.CourseTitle, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
			Status: string(r.Status), LateCancellation: r.Late, Agency: r.AgencyName, AccessNeeds: r.AccessNeeds,
			DietaryNeeds: r.DietaryNeeds, LineManagerName: r.LineManagerName, LineManagerEmail: r.LineManagerEmail,
			Note: r.EndNote, PastCap: r.CapExceededReason,
		}
		if r.Attendance != nil {
			b.Attendance = *r.Attendance
		}
		out = append(out, b)
	}
	return out, nil
}
